"""What the test folders share: the services and stacks they run on, the commands they submit, the mail they read,
and one way to wait for something to happen. No tests here."""
