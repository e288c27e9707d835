"""Producers: the publish client, the envadmin CLI and bulk jobs."""
