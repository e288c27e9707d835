"""Producers: everything that submits commands or reads their outcome — the HTTP API and pages (`http_app`), the
envadmin CLI, bulk onboarding jobs, the services they share, the ops views and the demo."""
