"""The set-based repository of a chunk of membership commands and new accounts and users: read ahead in a few
queries, written set-based.

It serves the MembershipRepository ports (domain.ports), so the handlers of those commands run unchanged against it;
renames, deletions of groups, resends and registrations need the row repository. Everything a chunk's grants and
revokes may read is loaded with one query per table, the accounts locked in number order (so two workers never
deadlock); writes stay in memory and go out in one statement per table at flush(). A read outside what was loaded
falls back to a query, so the repository is correct for any command it serves.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from uuid import UUID, uuid4

from sqlalchemy import Connection, delete, func, select, tuple_
from sqlalchemy.exc import IntegrityError

from domain.invite_limits import InviteLimits
from domain.model import Account, AuditEntry, Group, MembershipClock, User
from domain.ports import SetBasedRepository
from store import email_locks
from store.bulk_sql import among, insert_rows, plan_as_key_lookups
from store.chunk_account_users import ChunkAccountUsers
from store.chunk_invite_counts import ChunkInviteCounts
from store.chunk_invites import ChunkInvites
from store.invite_mail import InviteMailWriter
from store.said_json import said_json
from store.tables import (
    accounts,
    audit_log,
    envelopes,
    groups,
    invites,
    mail_outbox,
    membership_clocks,
    memberships,
    pending_grants,
    users,
)

Key = tuple[str, str, str]  # account, group key, email key


class ChunkRepository(ChunkAccountUsers, ChunkInviteCounts, ChunkInvites, SetBasedRepository):
    def __init__(self, conn: Connection, mail_writer: InviteMailWriter | None, invite_ttl: timedelta | None,
                 now: datetime, invite_limits: InviteLimits | None = None):
        self.conn = conn
        self._now = now  # when the accounts and users it creates were created
        self.mail_writer = mail_writer
        if invite_ttl is not None:
            self.invite_ttl = invite_ttl
        if invite_limits is not None:
            self.invite_limits = invite_limits
        self.writes = 0  # counts every buffered write, so a caller can tell a refusal came before any
        self._accounts: dict[str, Account | None] = {}
        self._groups: dict[tuple[str, str], Group | None] = {}
        self._users: dict[str, User | None] = {}
        self._members: dict[Key, bool] = {}
        self._was_member: dict[Key, bool] = {}
        self._counts: dict[tuple[str, str], int] = {}
        self._clocks: dict[Key, MembershipClock | None] = {}
        self._dirty_clocks: set[Key] = set()
        ChunkInviteCounts.__init__(self)
        ChunkAccountUsers.__init__(self)
        ChunkInvites.__init__(self)
        self._emails = email_locks.SharedEmails(conn)
        self._member_scope: tuple[set[str], set[str]] = (set(), set())
        self._clocks_loaded: set[Key] = set()
        self._inserts: dict[object, list[dict]] = defaultdict(list)
        self._audit: list[dict] = []

    # -- reading ahead ----------------------------------------------------------------------
    def prefetch(self, numbers: set[str], targets: set[str], actors: set[str], clocks: set[Key]) -> None:
        """Lock the accounts and load what their commands about `targets` by `actors` will read,
        and the membership clocks they will check."""
        plan_as_key_lookups(self.conn)  # every read here is by key
        rows = self.conn.execute(select(accounts.c.number, accounts.c.name, accounts.c.language)
                                 .where(among(self.conn, accounts.c.number, numbers))
                                 .order_by(accounts.c.number).with_for_update()).all()
        self._accounts = {number: None for number in numbers}
        self._accounts.update({row.number: Account(row.number, row.name, row.language) for row in rows})
        for row in self.conn.execute(select(groups.c.account, groups.c.name_key, groups.c.name)
                                     .where(among(self.conn, groups.c.account, numbers))):
            self._groups[(row.account, row.name_key)] = Group(row.account, row.name)
        people = targets | actors
        self._users = {key: None for key in people}
        self._read_users(people)
        unknown = {key for key in targets if self._users.get(key) is None}
        if unknown:  # a registration of one of them may have committed meanwhile: read them again, locked
            self._emails.share(unknown)
            self._read_users(unknown)
        self._member_scope = (numbers, people)
        for row in self._memberships_of(numbers, people):
            self._was_member[(row.account, row.group_key, row.email_key)] = True
        self._load_account_users(numbers, people)
        self._load_clocks(clocks)
        unknown = {key for key in targets if self._users.get(key) is None}
        if unknown:
            self._load_invites(unknown)

    def _memberships_of(self, numbers: set[str], people: set[str]):
        if self.conn.dialect.name == "postgresql":
            # From each person's few memberships (the email index), never from every member of the accounts:
            # an account's memberships grow with each job, a person's do not. The accounts are filtered here,
            # not in SQL: given `account = ANY(...)`, PostgreSQL chose to scan the accounts' members (a
            # 1,000,000-row job ran at 58 % of the rate of a 100,000-row one).
            found = self.conn.exec_driver_sql(
                "SELECT m.account, m.group_key, m.email_key FROM unnest(%(people)b::varchar[]) AS p(email_key) "
                "JOIN memberships m ON m.email_key = p.email_key", {"people": sorted(people)}).all()
            return [row for row in found if row.account in numbers]
        return self.conn.execute(select(memberships).where(among(self.conn, memberships.c.account, numbers),
                                                           among(self.conn, memberships.c.email_key, people))).all()

    def _read_users(self, keys: set[str]) -> None:
        for row in self.conn.execute(select(users).where(among(self.conn, users.c.email_key, keys))):
            self._users[row.email_key] = User(row.email, row.first_name, row.last_name, row.password_hash,
                                              row.password_expired, row.created_by_account, row.verified,
                                              row.language, row.time_zone)

    def _load_clocks(self, keys: set[Key]) -> None:
        self._clocks_loaded = keys
        if not keys:
            return
        if self.conn.dialect.name == "postgresql":
            # Joined on the exact keys: the primary key finds each, however many clocks the accounts hold.
            rows = self.conn.exec_driver_sql(
                "SELECT c.account, c.group_key, c.email_key, c.issued_at, c.command_id FROM membership_clocks c "
                "JOIN unnest(%(a)b::varchar[], %(g)b::varchar[], %(e)b::varchar[]) AS k(account, group_key, email_key) "
                "ON c.account = k.account AND c.group_key = k.group_key AND c.email_key = k.email_key",
                {"a": [k[0] for k in keys], "g": [k[1] for k in keys], "e": [k[2] for k in keys]}).all()
        else:
            rows = self.conn.execute(select(membership_clocks).where(
                membership_clocks.c.account.in_({k[0] for k in keys}),
                membership_clocks.c.email_key.in_({k[2] for k in keys}))).all()
        for row in rows:
            self._clocks[(row.account, row.group_key, row.email_key)] = MembershipClock(
                row.issued_at.astimezone(timezone.utc), row.command_id)

    # -- accounts, users, groups ------------------------------------------------------------
    def lock_account(self, number: str) -> Account | None:
        if number not in self._accounts:
            row = self.conn.execute(select(accounts.c.number, accounts.c.name, accounts.c.language)
                                    .where(accounts.c.number == number).with_for_update()).first()
            self._accounts[number] = Account(row.number, row.name, row.language) if row else None
        return self._accounts[number]

    def get_user(self, key: str) -> User | None:
        if key not in self._users:
            self._emails.share({key})
            self._users[key] = None
            self._read_users({key})
        user = self._users[key]
        return replace(user) if user is not None else None  # a copy, as the row repository reads

    def get_group(self, account: str, key: str) -> Group | None:
        if (account, key) not in self._groups:
            name = self.conn.execute(select(groups.c.name).where(groups.c.account == account,
                                                                 groups.c.name_key == key)).scalar()
            self._groups[(account, key)] = Group(account, name) if name is not None else None
        return self._groups[(account, key)]

    def add_account(self, account: Account) -> None:
        self.writes += 1
        self._accounts[account.number] = account
        self._inserts[accounts].append({"number": account.number, "name": account.name,
                                        "language": account.language, "created_at": self._now})

    def add_user(self, user: User) -> None:
        self.writes += 1
        self._users[user.key] = replace(user)
        self._inserts[users].append(dict(
            email_key=user.key, email=user.email, first_name=user.first_name, last_name=user.last_name,
            password_hash=user.password_hash, password_expired=user.password_expired,
            created_by_account=user.created_by_account, verified=user.verified, language=user.language,
            created_at=self._now))

    def add_group(self, group: Group) -> None:
        self.writes += 1
        self._groups[(group.account, group.key)] = group
        self._inserts[groups].append({"account": group.account, "name_key": group.key, "name": group.name,
                                      "id": uuid4(), "created_at": self._now})

    # -- memberships and clocks -------------------------------------------------------------
    def is_member(self, account: str, group: str, key: str) -> bool:
        member = (account, group, key)
        if member in self._members:
            return self._members[member]
        numbers, people = self._member_scope
        if member not in self._was_member and not (account in numbers and key in people):
            self._was_member[member] = self.conn.execute(select(memberships.c.email_key).where(
                memberships.c.account == account, memberships.c.group_key == group,
                memberships.c.email_key == key)).first() is not None
        return self._was_member.get(member, False)

    def count_members(self, account: str, group: str) -> int:
        if (account, group) not in self._counts:
            self._counts[(account, group)] = self.conn.execute(select(func.count()).select_from(memberships).where(
                memberships.c.account == account, memberships.c.group_key == group)).scalar_one()
            for (a, g, k), now_member in self._members.items():  # changes made before this first count
                if (a, g) == (account, group) and now_member != self._was_member.get((a, g, k), False):
                    self._counts[(account, group)] += 1 if now_member else -1
        return self._counts[(account, group)]

    def add_member(self, account: str, group: str, key: str) -> None:
        self._set_member(account, group, key, True)

    def remove_member(self, account: str, group: str, key: str) -> None:
        self._set_member(account, group, key, False)

    def _set_member(self, account: str, group: str, key: str, member: bool) -> None:
        self.writes += 1
        was = self.is_member(account, group, key)
        if member and was:  # what the table's primary key would say, said now rather than at flush()
            raise IntegrityError("add_member", None, ValueError(f"duplicate membership {(account, group, key)}"))
        self._members[(account, group, key)] = member
        if (account, group) in self._counts and was != member:
            self._counts[(account, group)] += 1 if member else -1

    def get_clock(self, account: str, group: str, key: str) -> MembershipClock | None:
        clock_key = (account, group, key)
        if clock_key not in self._clocks and clock_key not in self._clocks_loaded:
            row = self.conn.execute(select(membership_clocks.c.issued_at, membership_clocks.c.command_id).where(
                membership_clocks.c.account == account, membership_clocks.c.group_key == group,
                membership_clocks.c.email_key == key)).first()
            self._clocks[clock_key] = MembershipClock(row.issued_at, row.command_id) if row else None
        return self._clocks.get(clock_key)

    def set_clock(self, account: str, group: str, key: str, issued_at: datetime, command_id: UUID) -> None:
        self.writes += 1
        self._clocks[(account, group, key)] = MembershipClock(issued_at, command_id)
        self._dirty_clocks.add((account, group, key))

    def add_audit(self, entry: AuditEntry) -> None:
        self._audit.append({"at": entry.at, "actor": entry.actor, "action": entry.action, "target": entry.target,
                            "account": entry.account, "command_id": entry.command_id, "source": entry.source,
                            "detail": entry.detail,
                            "detail_said": said_json(entry.detail, as_text=self.conn.dialect.name == "postgresql")})

    # -- writing ----------------------------------------------------------------------------
    def flush(self) -> None:
        """Write what the chunk's commands did: a few set-based statements, in foreign-key order."""
        for table in (accounts, users, groups, invites, envelopes, mail_outbox, pending_grants):
            insert_rows(self.conn, table, self._inserts[table])
        self._flush_invite_changes()
        added = [k for k, member in self._members.items() if member and not self._was_member.get(k, False)]
        removed = [k for k, member in self._members.items() if not member and self._was_member.get(k, False)]
        if removed:
            self.conn.execute(delete(memberships).where(
                tuple_(memberships.c.account, memberships.c.group_key, memberships.c.email_key).in_(removed)))
        if added:
            insert_rows(self.conn, memberships, [{"account": a, "group_key": g, "email_key": k} for a, g, k in added])
        if self._dirty_clocks:
            insert_rows(self.conn, membership_clocks, [
                {"account": a, "group_key": g, "email_key": k, "issued_at": self._clocks[(a, g, k)].issued_at,
                 "command_id": self._clocks[(a, g, k)].command_id} for a, g, k in sorted(self._dirty_clocks)],
                        on_conflict_update=("account", "group_key", "email_key"))
        self._flush_account_users()
        insert_rows(self.conn, audit_log, self._audit)

