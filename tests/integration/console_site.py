"""The account console over HTTP, as a signed-in person's browser uses it, and the people of its tests.

Commands its pages submit are journalled; `apply_journalled` applies one as a worker takes the published message.
"""
from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from sqlalchemy import select
from starlette.testclient import TestClient

from store.reads import queries
from store.tables import commands
from workers.apply import apply_message

from ..support.forms import csrf_of

ALICE, BOB, MALLORY = "alice@example.com", "bob@example.com", "mallory@example.com"
TEMPORARY, OWN = "temporary-pass", "alice-own-password"


class Console:
    def __init__(self, browser: TestClient, engine, factory):
        self.browser, self.engine, self.factory = browser, engine, factory

    def csrf(self, path: str) -> str:
        return csrf_of(self.browser.get(path).text)

    def sign_in(self, email: str, password: str) -> None:
        self.browser.cookies.clear()
        done = self.browser.post("/login", data={"csrf_token": self.csrf("/login"), "email": email,
                                                 "password": password}, follow_redirects=False)
        assert done.status_code == 303, done.text

    def apply_journalled(self, command_id: UUID) -> str:
        """As a worker takes the published message: the journal's copy, applied."""
        with self.engine.connect() as conn:
            payload = conn.execute(select(commands.c.payload).where(commands.c.id == command_id)).scalar_one()
        apply_message({"v": 1, "commands": [payload]}, self.factory, max_attempts=5, chunk=500,
                      lease=timedelta(seconds=60))
        return queries.command_status(self.engine, command_id)["status"]
