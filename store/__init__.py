"""SQLAlchemy persistence: the store is also the journal of every command."""
