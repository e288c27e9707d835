"""Which account a SCIM request is about and whom its key acts as: set by the tenant app once the key is checked,
read by the storage, which serves every account's tenant."""
from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Tenant:
    account: str
    actor: str  # the key's person, or support
    key_id: str | None  # the API key, which the commands it submits name
    base_url: str = ""  # the tenant's root as the client sees it, which references to its resources start with
    language: str = "en"  # the language its request's Accept-Language asks for (an error's detail is in it)


_tenant: ContextVar[Tenant] = ContextVar("scim_tenant")


def current_tenant() -> Tenant:
    return _tenant.get()


def enter_tenant(tenant: Tenant) -> None:
    """For the rest of this request (its context, and the threads it runs work in)."""
    _tenant.set(tenant)
