"""The row repository: every port of the domain's Repository, on a SQLAlchemy connection."""
from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID, uuid4

from sqlalchemy import Connection, delete, func, insert, select, update

from domain.clock import SYSTEM_CLOCK, Clock
from domain.invite_limits import InviteLimits
from domain.model import WHOLE_GROUP, Account, AuditEntry, Group, MembershipClock, User
from domain.ports import Repository
from store import email_locks
from store.account_user_rows import AccountUserRows
from store.bulk_sql import among
from store.invite_mail import InviteMailWriter
from store.invite_records import InviteRecords
from store.said_json import said_json
from store.session_rows import end_sessions
from store.tables import account_users, accounts, audit_log, groups, membership_clocks, memberships, users


class SqlRepository(AccountUserRows, InviteRecords, Repository):
    """Reads and writes through one connection, inside the unit of work's transaction."""

    def __init__(self, connection: Connection, mail_writer: InviteMailWriter | None = None,
                 invite_ttl: timedelta | None = None, invite_limits: InviteLimits | None = None,
                 clock: Clock = SYSTEM_CLOCK):
        self.conn = connection
        self.clock = clock  # stamps the accounts and users it creates
        self.mail_writer = mail_writer
        self.new_mail_ids: list[UUID] = []
        self._emails = email_locks.SharedEmails(connection)
        if invite_ttl is not None:
            self.invite_ttl = invite_ttl
        if invite_limits is not None:
            self.invite_limits = invite_limits

    def share_email(self, key: str) -> None:
        """The email's lock, shared, before reading its user, invites or pending grants (see email_locks)."""
        self._emails.share([key])

    def lock_account(self, number: str) -> Account | None:
        row = self.conn.execute(
            select(accounts.c.number, accounts.c.name, accounts.c.language)
            .where(accounts.c.number == number).with_for_update()).first()
        return Account(row.number, row.name, row.language) if row else None

    def lock_accounts(self, numbers: set[str]) -> None:
        """Lock these accounts (those that exist) in number order, the order every worker takes them in."""
        if numbers:
            self.conn.execute(select(accounts.c.number).where(among(self.conn, accounts.c.number, sorted(numbers)))
                              .order_by(accounts.c.number).with_for_update()).all()

    def add_account(self, account: Account) -> None:
        self.conn.execute(insert(accounts).values(number=account.number, name=account.name,
                                                  language=account.language, created_at=self.clock.now()))

    def set_account_language(self, number: str, language: str) -> None:
        self.conn.execute(update(accounts).where(accounts.c.number == number).values(language=language))

    def get_user(self, email_key: str) -> User | None:
        self.share_email(email_key)
        row = self.conn.execute(select(users).where(users.c.email_key == email_key)).first()
        if row is None:
            return None
        return User(row.email, row.first_name, row.last_name, row.password_hash,
                    row.password_expired, row.created_by_account, row.verified, row.language, row.time_zone)

    def add_user(self, user: User) -> None:
        self.conn.execute(insert(users).values(
            email_key=user.key, email=user.email, first_name=user.first_name,
            last_name=user.last_name, password_hash=user.password_hash,
            password_expired=user.password_expired, created_by_account=user.created_by_account,
            verified=user.verified, language=user.language, created_at=self.clock.now()))

    def prove_mailbox(self, email_key: str, password_hash: str, names: tuple[str, str] | None = None,
                      language: str | None = None) -> None:
        changes = {"first_name": names[0], "last_name": names[1]} if names else {}
        if language is not None:
            changes["language"] = language
        self.conn.execute(update(users).where(users.c.email_key == email_key)
                          .values(password_hash=password_hash, password_expired=False, verified=True, **changes))
        end_sessions(self.conn, email_key)

    def accounts_of(self, email_key: str) -> list[str]:
        return list(self.conn.execute(select(account_users.c.account).where(account_users.c.email_key == email_key)
                                      .order_by(account_users.c.account)).scalars())

    def get_group(self, account: str, group_key: str) -> Group | None:
        name = self.conn.execute(select(groups.c.name).where(
            groups.c.account == account, groups.c.name_key == group_key)).scalar()
        return Group(account, name) if name is not None else None

    def add_group(self, group: Group) -> None:
        self.conn.execute(insert(groups).values(account=group.account, name_key=group.key, name=group.name,
                                                id=uuid4(), created_at=self.clock.now()))

    def rename_group(self, account: str, group_key: str, new_name: str) -> None:
        # Memberships follow through ON UPDATE CASCADE; clocks have no foreign key. The tombstone of the old
        # name stays with it.
        new_key = Group(account, new_name).key
        self.conn.execute(update(groups).where(groups.c.account == account,
                                               groups.c.name_key == group_key)
                          .values(name=new_name, name_key=new_key))
        if new_key != group_key:
            self._drop_older_of_clashing_clocks(account, group_key, new_key)
        self.conn.execute(update(membership_clocks).where(
            membership_clocks.c.account == account, membership_clocks.c.group_key == group_key,
            membership_clocks.c.email_key != WHOLE_GROUP).values(group_key=new_key))

    def _drop_older_of_clashing_clocks(self, account: str, old_key: str, new_key: str) -> None:
        """A member's clock under the new name, left by a deleted group of that name, meets the clock that moves
        there: the newer stays (a clock never goes back in time)."""
        moving, lingering = membership_clocks.alias("moving"), membership_clocks.alias("lingering")
        clashes = self.conn.execute(
            select(moving.c.email_key, moving.c.issued_at, moving.c.command_id,
                   lingering.c.issued_at.label("lingering_issued_at"),
                   lingering.c.command_id.label("lingering_command_id"))
            .join(lingering, (lingering.c.account == moving.c.account) & (lingering.c.email_key == moving.c.email_key)
                  & (lingering.c.group_key == new_key))
            .where(moving.c.account == account, moving.c.group_key == old_key,
                   moving.c.email_key != WHOLE_GROUP)).all()
        for clash in clashes:
            lingering_newer = MembershipClock(clash.lingering_issued_at, clash.lingering_command_id).is_newer_than(
                clash.issued_at, clash.command_id)
            self.conn.execute(delete(membership_clocks).where(
                membership_clocks.c.account == account, membership_clocks.c.email_key == clash.email_key,
                membership_clocks.c.group_key == (old_key if lingering_newer else new_key)))

    def delete_group(self, account: str, group_key: str) -> None:
        # The clocks stay: a command issued before the deletion must not apply to a group made again later.
        self.conn.execute(delete(memberships).where(memberships.c.account == account,
                                                    memberships.c.group_key == group_key))
        self.conn.execute(delete(groups).where(groups.c.account == account,
                                               groups.c.name_key == group_key))

    def is_member(self, account: str, group_key: str, email_key: str) -> bool:
        return self.conn.execute(select(memberships.c.email_key).where(
            memberships.c.account == account, memberships.c.group_key == group_key,
            memberships.c.email_key == email_key)).first() is not None

    def count_members(self, account: str, group_key: str) -> int:
        return self.conn.execute(select(func.count()).select_from(memberships).where(
            memberships.c.account == account, memberships.c.group_key == group_key)).scalar_one()

    def add_member(self, account: str, group_key: str, email_key: str) -> None:
        self.conn.execute(insert(memberships).values(account=account, group_key=group_key,
                                                     email_key=email_key))

    def remove_member(self, account: str, group_key: str, email_key: str) -> None:
        self.conn.execute(delete(memberships).where(
            memberships.c.account == account, memberships.c.group_key == group_key,
            memberships.c.email_key == email_key))

    def get_clock(self, account: str, group_key: str, email_key: str) -> MembershipClock | None:
        row = self.conn.execute(select(membership_clocks.c.issued_at, membership_clocks.c.command_id)
                                .where(membership_clocks.c.account == account,
                                       membership_clocks.c.group_key == group_key,
                                       membership_clocks.c.email_key == email_key)).first()
        return MembershipClock(row.issued_at, row.command_id) if row else None

    def set_clock(self, account: str, group_key: str, email_key: str,
                  issued_at: datetime, command_id: UUID) -> None:
        key = {"account": account, "group_key": group_key, "email_key": email_key}
        changed = self.conn.execute(update(membership_clocks).filter_by(**key)
                                    .values(issued_at=issued_at, command_id=command_id)).rowcount
        if not changed:
            self.conn.execute(insert(membership_clocks).values(**key, issued_at=issued_at,
                                                               command_id=command_id))

    def add_audit(self, entry: AuditEntry) -> None:
        self.conn.execute(insert(audit_log).values(
            at=entry.at, actor=entry.actor, action=entry.action, target=entry.target,
            account=entry.account, command_id=entry.command_id, source=entry.source,
            detail=entry.detail, detail_said=said_json(entry.detail)))
