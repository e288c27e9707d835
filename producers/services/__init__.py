"""What the CLI, the HTTP API and the pages share: the publish client and the synchronous operations on the store."""
