"""envadmin: manages the administrators of accounts in a registered-envelope mail service."""
