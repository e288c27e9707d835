"""`envadmin demo`: the whole story, its onboarding chapter and its invitee, and the processes it starts."""
