"""Supporters table stream → the emails about supporters: their own changes, debriefs, training."""

from peer_support.entrypoints.handlers import event_handler

lambda_handler = event_handler("peer_support.entrypoints.streams", "handle_supporter_notify")
