"""The web pages: the invitee's registration, sign-in, envelopes; served with the HTTP API by `envadmin web`."""
