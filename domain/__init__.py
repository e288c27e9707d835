"""Pure rules of envadmin: no database, no broker."""
