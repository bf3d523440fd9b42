"""API Gateway → the request form and `POST /requests`."""

from peer_support.api.handler import rest_handler

lambda_handler = rest_handler("peer_support.api.intake")
