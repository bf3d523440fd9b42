"""Group table stream → the BIPOC group's emails: confirmations, the facilitator's notices, reminders."""

from peer_support.entrypoints.handlers import event_handler

lambda_handler = event_handler("peer_support.entrypoints.streams", "handle_group_notify")
