"""Fixtures of the integration tests."""
from __future__ import annotations

import pytest

from producers.services.client import Client

from ..conftest import make_settings
from .test_onboarding import open_account


@pytest.fixture
def job_client(database_url, tmp_path):
    """A client on SQLite or PostgreSQL whose messages go to an embedded queue no worker reads."""
    client = Client(make_settings(tmp_path / "var", None if database_url.startswith("sqlite") else database_url,
                                  None))
    open_account(client, "1001", "alice@example.com")
    yield client
    client.close()
