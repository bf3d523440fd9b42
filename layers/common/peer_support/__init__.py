"""Physician Peer Support: the shared application package (deployed as the common layer)."""
