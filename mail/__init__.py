"""Mails: what they say (the invite and activation letters, their templates), their bytes, and the transports that send them."""
