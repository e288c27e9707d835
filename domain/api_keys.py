"""API keys: their text form, their keyed hash, what each key may do, and when it stops working.

A key reads `ea_<id>_<secret>`: the fixed `ea_` prefix lets secret scanners match it, the 12-character id finds
its row in one indexed read, and the secret (32 random bytes, base64url) is stored only as an HMAC-SHA256 under a
key derived from the master key, compared in constant time. An account key acts as the person who created it on
the accounts it names; a support key acts as `support` on every account.
"""
from __future__ import annotations

import base64
import re
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.emails import email_key
from domain.master_keys import MasterKey, MasterKeys
from domain.said import MESSAGES, N_, said

KEY_PREFIX = "ea_"
ID_CHARS = 12
SECRET_BYTES = 32
WEBHOOK_SECRET_PREFIX = "whsec_"
SUPPORT = "support"
DEFAULT_LIFETIME = "90d"  # how long a new key works unless told
DEFAULT_GRACE = "24h"  # how long a rotated key's old secret keeps working unless told
LAST_USED_STEP = timedelta(minutes=1)  # last_used_at is written at most this often per key
MAX_NAME_CHARS = 64

_ID_ALPHABET = string.ascii_letters + string.digits  # no "_" or "-": the id ends at the next "_"
_KEY = re.compile(rf"{KEY_PREFIX}(?P<id>[A-Za-z0-9]{{{ID_CHARS}}})_(?P<secret>[A-Za-z0-9_-]{{43}})")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_DURATION = re.compile(r"(?P<count>[0-9]{1,6})(?P<unit>[mhd])")
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
HASH_PREFIX = "v1$"  # then the master key's id, "$" and the digest
_HASH = re.compile(r"v1\$(?P<key_id>[0-9a-f]{16})\$(?P<digest>[A-Za-z0-9+/]{43})")
_HMAC_KEY_INFO = b"envadmin api key hashes v1"
MESSAGES.update({
    "key.other_account": N_("the key {key} may not act on account {account}; it covers {accounts}"),
    "key.other_actor": N_("the key {key} acts as {person} only, not as {actor}"),
    "key.revoked": N_("this API key was revoked"),
    "key.expired": N_("this API key has expired"),
    # what the store says of a key it cannot make, find or change as asked (store/api_keys.py)
    "key.name_invalid": N_(
        "a key's name is 1 to {most} letters, digits, '.', '_' or '-', starting with a letter or digit"),
    "key.duration_invalid": N_(
        "{option}: expected a positive number of minutes, hours or days, like 30m, 24h or 90d, not {value}"),
    "key.accounts_or_support": N_(
        "a key is either for accounts (--account ... --by EMAIL) or for support (--support)"),
    "key.person_required": N_(
        "an account key acts as a person: name them with --by EMAIL (an administrator of each account)"),
    "key.exists": N_("a key named {name} exists already"),
    "key.unknown": N_("no key named {name}"),
    "key.unknown.in_account": N_("no key named {name} in account {account}"),
    "key.revoked_already": N_("the key {name} is revoked already"),
    "key.rotate_unusable": N_("the key {name} is revoked or expired: create a new one"),
})


class KeyRefused(Exception):
    """A key that may not do what a request asks; the message (domain.said) names what the key lacks."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def new_key_id() -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(ID_CHARS))


def new_key(key_id: str) -> str:
    """A fresh key with this id: the id stays across rotations, the secret changes."""
    return f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(SECRET_BYTES)}"


def new_webhook_secret() -> str:
    """A Standard Webhooks signing secret: `whsec_` and the base64 of 32 random bytes."""
    return WEBHOOK_SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def key_id_of(presented: str) -> str | None:
    """The id part of a presented key, or None if it does not have a key's form."""
    found = _KEY.fullmatch(presented)
    return found["id"] if found else None


def hash_key(key: str, master: MasterKey) -> str:
    """The stored form of a key: `v1$<master key id>$<base64 HMAC-SHA256>`, keyed from the master key."""
    return f"{HASH_PREFIX}{master.key_id}${master.keyed_digest(key, _HMAC_KEY_INFO)}"


def hashed_under(stored_hash: str | None) -> str | None:
    """The id of the master key a stored hash is keyed from; None if it is no key hash."""
    found = _HASH.fullmatch(stored_hash or "")
    return found["key_id"] if found else None


def key_matches(stored_hash: str | None, presented: str, keys: MasterKeys) -> bool:
    """Whether the presented key is the one hashed, compared in constant time; False for a hash under a master key
    this process does not hold."""
    found = _HASH.fullmatch(stored_hash or "")
    return found is not None and keys.digest_matches(found["key_id"], presented, _HMAC_KEY_INFO, found["digest"],
                                                     said("sealed.api_key_hash"))


def check_name(name: str) -> str:
    """A key's name, if acceptable: letters, digits, '.', '_' and '-', at most 64; ValueError otherwise."""
    if not _NAME.fullmatch(name) or len(name) > MAX_NAME_CHARS:
        raise ValueError(said("key.name_invalid", most=MAX_NAME_CHARS))
    return name


def parse_duration(text: str, what: str) -> timedelta:
    """`30m`, `24h` or `90d` as a timedelta; ValueError naming `what` (the option that gave it) otherwise."""
    found = _DURATION.fullmatch(text.strip())
    if found is None or int(found["count"]) == 0:
        raise ValueError(said("key.duration_invalid", option=what, value=repr(text)))
    return int(found["count"]) * _UNITS[found["unit"]]


@dataclass(frozen=True)
class KeyScope:
    """What a key may touch and whom it acts as: `accounts` None for a support key (every account).

    `any_actor`: the shared ENVADMIN_API_TOKEN of existing deployments, which names whichever actor it submits
    for (support when it names none), as it always could; every API key acts as its own person only.
    `key_id`: the stored key's id, which the commands it submits and their outcomes name; None for that token."""

    name: str
    person: str
    accounts: tuple[str, ...] | None
    any_actor: bool = False
    key_id: str | None = None

    @classmethod
    def support(cls, name: str) -> "KeyScope":
        return cls(name, SUPPORT, None)

    @classmethod
    def shared_token(cls, name: str) -> "KeyScope":
        return cls(name, SUPPORT, None, any_actor=True)

    @property
    def is_support(self) -> bool:
        return self.accounts is None

    def covers(self, account: str) -> bool:
        return self.accounts is None or account in self.accounts

    def describe(self) -> str:
        return said("key.scope.support") if self.accounts is None else \
            said("key.scope.accounts", accounts=", ".join(self.accounts))

    def actor_for(self, account: str, actor: str | None) -> str:
        """Who a command of this key acts as: the key's person. KeyRefused if the account is not the key's, or
        `actor` names someone else."""
        if not self.covers(account):
            raise KeyRefused(said("key.other_account", key=self.name, account=account,
                                  accounts=", ".join(self.accounts or ())))
        if actor is not None and not self.any_actor and email_key(actor) != email_key(self.person):
            raise KeyRefused(said("key.other_actor", key=self.name, person=self.person, actor=actor))
        return actor if actor is not None else self.person


@dataclass(frozen=True)
class KeyState:
    """When a key was made unusable, if it was: what decides whether a right secret is still let in."""

    expires_at: datetime | None
    revoked_at: datetime | None

    def refusal(self, now: datetime) -> str | None:
        """Why the key may not be used at `now` (a message of domain.said), or None if it may."""
        if self.revoked_at is not None and self.revoked_at <= now:
            return said("key.revoked")
        if self.expires_at is not None and self.expires_at <= now:
            return said("key.expired")
        return None


def uses_previous(previous_until: datetime | None, now: datetime) -> bool:
    """Whether a rotated key's previous secret still works at `now` (its grace period has not ended)."""
    return previous_until is not None and now < previous_until


def due_last_used(last_used_at: datetime | None, now: datetime) -> bool:
    """Whether last_used_at is worth writing: never written, or older than LAST_USED_STEP."""
    return last_used_at is None or now - last_used_at >= LAST_USED_STEP

