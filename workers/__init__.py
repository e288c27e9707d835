"""Celery app, thin tasks, the relay and periodic jobs."""
