"""What pages, the CLI and the API read from the store: queries shaped for one screen or answer each."""
