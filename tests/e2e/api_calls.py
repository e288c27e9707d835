"""What upstream systems send the HTTP API, and waiting through it for what a worker made of a command."""
from __future__ import annotations

from uuid import uuid4

from fastapi.testclient import TestClient

from ..support.builders import light_hash
from ..support.waiting import wait_until

TOKEN = "test-token-" + uuid4().hex
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ALICE, BOB = "alice@example.com", "Bob@Example.com"
PASSWORD_HASH = light_hash("temporary-pass")
OUTCOME_TIMEOUT = 30  # seconds for a worker to apply what the API accepted


def create_account(account: str = "1001", **overrides) -> dict:
    return {"type": "create_account", "actor": "support", "account": account, "name": "Acme",
            "admin_email": ALICE, "first_name": "Alice", "last_name": "Admin",
            "password_hash": PASSWORD_HASH, **overrides}


def add_user(email: str, account: str = "1001") -> dict:
    return {"type": "add_user", "actor": ALICE, "account": account, "email": email,
            "first_name": "Bob", "last_name": "Builder", "password_hash": PASSWORD_HASH}


def grant(email: str, account: str = "1001") -> dict:
    return {"type": "grant_admin", "actor": ALICE, "account": account, "email": email}


def wait_until_done(api: TestClient, command_id: str, timeout: float = OUTCOME_TIMEOUT) -> dict:
    """The command as GET /v1/commands/{id} shows it, once it is no longer queued."""
    def shown() -> dict | None:
        response = api.get(f"/v1/commands/{command_id}")
        assert response.status_code == 200, response.text
        command = response.json()
        return command if command["status"] != "queued" else None

    return wait_until(shown, f"command {command_id} to leave the queue", timeout=timeout)
