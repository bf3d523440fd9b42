"""Requests table stream → the messages each committed change calls for."""

from peer_support.entrypoints.handlers import event_handler

lambda_handler = event_handler("peer_support.entrypoints.streams", "handle_notify")
