"""Configuration from ENVADMIN_* environment variables, shared by every layer."""
