"""API Gateway → the signed one-click links (`GET` and `POST /actions/{token}`)."""

from peer_support.entrypoints.handlers import rest_handler

lambda_handler = rest_handler("peer_support.entrypoints.api.actions")
