"""Every router of the HTTP API, for the app to include."""
from __future__ import annotations

from producers.api import (
    account_routes,
    audit_routes,
    command_routes,
    event_routes,
    health_routes,
    status_routes,
    user_routes,
)

API_ROUTERS = (command_routes.router, account_routes.router, user_routes.router, audit_routes.router, event_routes.router,
               status_routes.router, health_routes.router)
