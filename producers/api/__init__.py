"""The HTTP API for upstream systems: routers per resource, its authentication and its limits."""
