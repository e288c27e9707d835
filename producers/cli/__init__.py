"""The envadmin command line (Typer)."""
