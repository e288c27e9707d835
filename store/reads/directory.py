"""An account's users as its administrator's directory shows them: name, email, state, last sign-in and groups,
a keyset page at a time (store.reads.keyset) in email order, optionally found by the start of their email or
name, or by state.

The page walks account_users by its primary key (account, email_key). A search first finds the people whose email
or name starts with the words typed (each an index range: users' primary key and ix_users_first_name_lower,
ix_users_last_name_lower), then keeps those of the account, so a search costs what it finds, not the account's
size.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, Engine, and_, case, exists, func, literal, select, union

from domain.model import email_key
from store.reads.keyset import KeysetPage, SortKey, beyond
from store.tables import account_users, groups, login_failures, memberships, users

ACTIVE, MUST_CHANGE, ACTIVATION_SENT, LOCKED_OUT, DISABLED = (
    "active", "must change password", "activation mail sent", "locked out", "disabled")
STATES = (ACTIVE, MUST_CHANGE, ACTIVATION_SENT, LOCKED_OUT, DISABLED)


@dataclass(frozen=True)
class DirectoryUser:
    email: str
    email_key: str
    first_name: str
    last_name: str
    state: str
    last_sign_in_at: datetime | None
    added_at: datetime
    disabled_at: datetime | None
    groups: list[str]
    external_id: str | None = None  # the identity provider's id of the person (SCIM's externalId)
    user_name: str | None = None  # the identity provider's user name of the person where it is not the email
    display_name: str | None = None  # the identity provider's display name of the person (SCIM's displayName)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def shown(self) -> dict:
        """What the CLI and the API show of the user (the identity provider's ids are SCIM's alone)."""
        return {"email": self.email, "first_name": self.first_name, "last_name": self.last_name,
                "state": self.state, "last_sign_in_at": self.last_sign_in_at, "added_at": self.added_at,
                "disabled_at": self.disabled_at, "groups": self.groups}


def users_page(engine: Engine, account: str, now: datetime, *, search: str = "", state: str | None = None,
               after: SortKey | None = None, size: int = 50) -> KeysetPage[DirectoryUser]:
    """The account's users by email key (the sort key is (email_key,)); `search`: the start of an email, a first
    or last name, or "first last", any letter case; `state`: one of STATES. ValueError for an unknown state."""
    if state is not None and state not in STATES:
        raise ValueError(f"unknown state {state!r}: one of {', '.join(STATES)}")
    state_of = _state(now)
    query = (_columns(state_of).where(account_users.c.account == account)
             .order_by(account_users.c.email_key).limit(size + 1))
    words = search.strip().lower()
    if words:
        query = query.where(account_users.c.email_key.in_(_found(words)))
    if state is not None:
        query = query.where(*_in_state(state, now))
    if after is not None:
        query = query.where(beyond([account_users.c.email_key], after))
    with engine.connect().execution_options(readonly=True) as conn:
        rows = conn.execute(query).all()
        found = _with_groups(conn, account, rows[:size])
    return KeysetPage(found, (found[-1].email_key,) if len(rows) > size and found else None)


def users_at(engine: Engine, account: str, now: datetime, offset: int,
             size: int | None) -> tuple[int, list[DirectoryUser]]:
    """How many users the account has, and `size` of them (every one if None) from position `offset` in email key
    order: a SCIM list without a filter is paged by position (startIndex), which the primary key walks in order."""
    query = (_columns(_state(now)).where(account_users.c.account == account)
             .order_by(account_users.c.email_key).offset(offset).limit(size))
    with engine.connect().execution_options(readonly=True) as conn:
        total = conn.execute(select(func.count()).select_from(account_users)
                             .where(account_users.c.account == account)).scalar_one()
        return total, _with_groups(conn, account, conn.execute(query).all()) if size != 0 else []


def account_user(engine: Engine, account: str, email: str, now: datetime) -> DirectoryUser | None:
    """One user of the account; None if the email is not one."""
    with engine.connect().execution_options(readonly=True) as conn:
        return _one(conn, account, now, account_users.c.email_key == email_key(email))


def by_provider_id(engine: Engine, account: str, now: datetime, *, external_id: str | None = None,
                   user_name: str | None = None) -> DirectoryUser | None:
    """The user of the account its identity provider knows by this external id or user name; None if none."""
    condition = account_users.c.external_id == external_id if external_id is not None else \
        func.lower(account_users.c.user_name) == user_name.lower()  # SCIM's userName is not case-exact
    with engine.connect().execution_options(readonly=True) as conn:
        return _one(conn, account, now, condition)


def accounts_of_user(engine: Engine, email: str, now: datetime) -> dict[str, DirectoryUser]:
    """The person as each account they are a user of sees them, by account number."""
    key = email_key(email)
    with engine.connect().execution_options(readonly=True) as conn:
        numbers = conn.execute(select(account_users.c.account).where(account_users.c.email_key == key)
                               .order_by(account_users.c.account)).scalars().all()
        return {number: _one(conn, number, now, account_users.c.email_key == key) for number in numbers}


def _one(conn: Connection, account: str, now: datetime, condition: ColumnElement[bool]) -> DirectoryUser | None:
    """The account's first user the condition finds, with their groups; None if none."""
    row = conn.execute(_columns(_state(now)).where(account_users.c.account == account, condition)).first()
    return _with_groups(conn, account, [row])[0] if row is not None else None


def _columns(state_of: ColumnElement[str]):
    return (select(account_users.c.email_key, users.c.email, users.c.first_name, users.c.last_name,
                   state_of.label("state"), users.c.last_sign_in_at, account_users.c.added_at,
                   account_users.c.disabled_at, account_users.c.external_id, account_users.c.user_name,
                   account_users.c.display_name)
            .join(users, users.c.email_key == account_users.c.email_key))


def _state(now: datetime) -> ColumnElement[str]:
    locked = exists().where(login_failures.c.email_key == account_users.c.email_key,
                            login_failures.c.locked_until > now)
    return case((account_users.c.disabled_at.is_not(None), DISABLED), (locked, LOCKED_OUT),
                (users.c.password_hash.is_(None), ACTIVATION_SENT), (users.c.password_expired, MUST_CHANGE),
                else_=ACTIVE)


def _in_state(state: str, now: datetime) -> list[ColumnElement[bool]]:
    """The users in `state`, said in terms the planner can weigh (a CASE's value it cannot) and an index finds for
    the rare states (ix_account_users_disabled, ix_users_awaiting_activation, the few locked records): a page of
    them does not walk every user of the account, and one of a common state stops after its 50."""
    if state == DISABLED:
        return [account_users.c.disabled_at.is_not(None)]
    locked = account_users.c.email_key.in_(select(login_failures.c.email_key)
                                           .where(login_failures.c.locked_until > now))
    enabled = account_users.c.disabled_at.is_(None)
    if state == LOCKED_OUT:
        return [enabled, locked]
    if state == ACTIVATION_SENT:
        return [enabled, ~locked,
                account_users.c.email_key.in_(select(users.c.email_key).where(users.c.password_hash.is_(None)))]
    usable = [enabled, ~locked, users.c.password_hash.is_not(None)]
    return [*usable, users.c.password_expired.is_(state == MUST_CHANGE)]


def _found(words: str):
    """The email keys of everyone whose email, first name, last name, or first and last name start with `words`."""
    first_name, last_name = func.lower(users.c.first_name), func.lower(users.c.last_name)
    finds = [select(users.c.email_key).where(_starts(users.c.email_key, words)),
             select(users.c.email_key).where(_starts(first_name, words)),
             select(users.c.email_key).where(_starts(last_name, words))]
    first, _, rest = words.partition(" ")
    if rest.strip():
        finds.append(select(users.c.email_key).where(first_name == first, _starts(last_name, rest.strip())))
    return union(*finds)


def _starts(column: ColumnElement[str], prefix: str) -> ColumnElement[bool]:
    """`column` starts with `prefix`: a range an ordinary index seeks on, with LIKE dropping what a collation's
    order puts in the range without the prefix."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return and_(column >= literal(prefix), column < literal(prefix + "\U0010ffff"),
                column.like(escaped + "%", escape="\\"))


def _with_groups(conn: Connection, account: str, rows) -> list[DirectoryUser]:
    keys = [row.email_key for row in rows]
    names: dict[str, list[str]] = {key: [] for key in keys}
    if keys:
        for key, name in conn.execute(
                select(memberships.c.email_key, groups.c.name)
                .join(groups, (groups.c.account == memberships.c.account)
                      & (groups.c.name_key == memberships.c.group_key))
                .where(memberships.c.account == account, memberships.c.email_key.in_(keys))
                .order_by(groups.c.name)):
            names[key].append(name)
    return [DirectoryUser(row.email, row.email_key, row.first_name, row.last_name, row.state, row.last_sign_in_at,
                          row.added_at, row.disabled_at, names[row.email_key], row.external_id,
                          row.user_name, row.display_name) for row in rows]

