"""Requests table stream → a Peer Supporter for each request waiting for one."""

from peer_support.entrypoints.handlers import event_handler

lambda_handler = event_handler("peer_support.entrypoints.streams", "handle_match")
