"""Requests and Group table streams → the program's anonymous monthly counts, each change once."""

from peer_support.entrypoints.handlers import event_handler

lambda_handler = event_handler("peer_support.entrypoints.streams", "handle_count")
