"""API Gateway → the program's monthly report, and the anonymous feedback page."""

from peer_support.entrypoints.handlers import rest_handler

lambda_handler = rest_handler("peer_support.entrypoints.api.reports")
