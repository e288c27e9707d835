"""The broker's intake: requests upstream systems publish to the request queue, answered on their reply_to."""
