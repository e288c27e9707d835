"""SCIM 2.0 for identity providers: each account a tenant (producers.scim.tenant_app)."""
