"""API Gateway → the request form and `POST /requests`."""

from peer_support.entrypoints.handlers import rest_handler

lambda_handler = rest_handler("peer_support.entrypoints.api.intake")
