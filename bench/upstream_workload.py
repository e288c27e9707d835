"""The commands an upstream system sends in the upstream benchmark: batches of grants and new users over the seeded
accounts, as the HR tool of an organisation with many accounts would, and single grants sent one at a time."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from domain.passwords import hash_password

from .workload import DOMAIN, Grant, grants

ADD_USER_EVERY = 4  # every fourth command adds a user; the others grant admin (80 % to users, 20 % invites)
INTEGRATOR = f"hr-sync@{DOMAIN}"  # the administrator of every account the upstream key acts as


@dataclass(frozen=True)
class NewUser:
    account: str
    email: str


@dataclass(frozen=True)
class UpstreamPlan:
    grants: list[Grant]  # of the batches
    new_users: list[NewUser]
    batches: list[list[dict]]  # the commands' JSON, batch by batch
    singles: list[Grant]  # to existing users, for the client that sends one command a request

    @property
    def commands(self) -> int:
        return len(self.grants) + len(self.new_users)

    @property
    def seeded_users(self) -> list[str]:
        return [grant.email for grant in (*self.grants, *self.singles) if grant.exists]


@cache
def temporary_password_hash() -> str:
    """One argon2id hash for every new user: hashing each would take longer than the benchmark (as seed does)."""
    return hash_password("bench-temporary-password")


def upstream_plan(prefix: str, commands: int, batch_size: int, accounts: list[str], singles: int) -> UpstreamPlan:
    """Deterministic: command i goes to account i mod N; every email distinct, so every command changes the store."""
    adds = commands // ADD_USER_EVERY
    grant_plan = list(grants(f"{prefix}-grant", commands - adds, accounts))
    new_users = [NewUser(accounts[i % len(accounts)], f"{prefix}-new-{i:07d}@{DOMAIN}") for i in range(adds)]
    mixed, added = [], iter(new_users)
    for grant in grant_plan:
        mixed.append(grant_json(grant))
        if len(mixed) % ADD_USER_EVERY == ADD_USER_EVERY - 1:
            mixed.append(add_user_json(next(added)))
    mixed += [add_user_json(user) for user in added]
    batches = [mixed[i:i + batch_size] for i in range(0, len(mixed), batch_size)]
    single_plan = list(grants(f"{prefix}-single", singles, accounts, invites=False))
    return UpstreamPlan(grant_plan, new_users, batches, single_plan)


def grant_json(grant: Grant) -> dict:
    return {"type": "grant_admin", "account": grant.account, "email": grant.email}


def add_user_json(user: NewUser) -> dict:
    return {"type": "add_user", "account": user.account, "email": user.email, "first_name": "Bench",
            "last_name": "Newcomer", "password_hash": temporary_password_hash(), "password_expired": True}
