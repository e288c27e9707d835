"""The broker side of the wire: task names, Celery settings, publishing, the embedded transport."""
