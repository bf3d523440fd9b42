"""API Gateway → the BIPOC group's page, `POST /group-registrations` and a registration's own link."""

from peer_support.entrypoints.handlers import rest_handler

lambda_handler = rest_handler("peer_support.entrypoints.api.group")
