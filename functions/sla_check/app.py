"""EventBridge Scheduler (every 15 minutes) → the deadline steps that are due."""

from peer_support.entrypoints.handlers import event_handler

lambda_handler = event_handler("peer_support.entrypoints.schedule", "handle_sla_check")
