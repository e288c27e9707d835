"""Submitting commands through a client and waiting for what a running worker made of them."""
from __future__ import annotations

from producers.services.client import Client
from store.reads import queries

from .waiting import wait_until

OUTCOME_TIMEOUT = 30  # seconds for a worker to apply what was submitted


def submit_and_wait(client: Client, *commands) -> list[str]:
    """Each command's status, in order, once none is queued (or OUTCOME_TIMEOUT has passed)."""
    receipt = client.submit(list(commands))
    return [client.wait(receipt.ids, OUTCOME_TIMEOUT)[i] for i in receipt.ids]


def wait_admin(client: Client, account: str, email: str, timeout: float = OUTCOME_TIMEOUT) -> bool:
    """True once `email` is an administrator of `account`."""
    return wait_until(lambda: email in queries.admins(client.engine, account),
                      f"{email} to be an administrator of account {account}", timeout=timeout)
