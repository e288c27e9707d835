"""email keys: NFC, ASCII letter case, the domain in A-labels, instead of Unicode case folding

Keys made by casefold() differ from the new ones for non-ASCII addresses (straße and strasse shared one key).
Every table holding an email key gets the key of the email it stands for: users, invites, pending grants and
envelopes from the email they hold or their invite's; memberships from their user; the commands' subject from
their payload; membership clocks and login failures, which keep no email, from the user or invite of their key.

Revision ID: 0005t
Revises: 0006r
Create Date: 2026-11-30 10:00:00
"""
from __future__ import annotations

import unicodedata
from collections import defaultdict
from contextlib import contextmanager
from typing import Callable, Iterator

import idna
import sqlalchemy as sa
from alembic import op

revision = '0005t'
down_revision = '0006r'
branch_labels = None
depends_on = None

MEMBERSHIP_USER_FK = 'fk_memberships_email_key_users'
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


# Copies of the key functions as of this revision (domain/emails.py may change later; this migration must not).
def new_key(email: str) -> str:
    value = email.strip()
    if value.isascii():
        return value.lower()
    value = unicodedata.normalize("NFC", value)
    local, at, domain = value.rpartition("@")
    if not at:
        return value.translate(_ASCII_LOWER)
    if not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except idna.IDNAError:
            pass
    return f"{local.translate(_ASCII_LOWER)}@{domain.translate(_ASCII_LOWER)}"


def old_key(email: str) -> str:
    return email.strip().casefold()


def upgrade() -> None:
    _rekey(new_key)


def downgrade() -> None:
    _rekey(old_key)


Key = Callable[[str], str]


def _rekey(key_of: Key) -> None:
    conn = op.get_bind()
    users = _user_keys(conn, key_of)
    invites = _invite_keys(conn, key_of)
    by_invite = {invite_id: new for invite_id, (_, new) in invites.items()}
    from_invites: dict[str, set[str]] = defaultdict(set)
    for old, new in invites.values():
        from_invites[old].add(new)

    def remap(old: str) -> str:
        """A key kept without its email: its user's new key, else its invites' if they agree, else recomputed."""
        if old in users:
            return users[old]
        if len(from_invites.get(old, ())) == 1:
            return next(iter(from_invites[old]))
        return key_of(old)

    moved_users = {(old,): (new,) for old, new in users.items() if old != new}
    if moved_users:  # memberships hold only users' keys: none moves unless a user does
        with _membership_user_fk_relaxed(conn):
            _move(conn, "users", ["email_key"], moved_users)
            _move_column(conn, "memberships", "email_key", remap)
    _move_column(conn, "membership_clocks", "email_key", remap,
                 keep=lambda rows: max(rows, key=lambda r: (r.issued_at, str(r.command_id))))
    _move_column(conn, "login_failures", "email_key", remap, keep=lambda rows: max(rows, key=lambda r: r.failures))
    _update_by_id(conn, "invites", "email_key",
                  {invite_id: new for invite_id, (old, new) in invites.items() if old != new})
    for table, column in (("pending_grants", "email_key"), ("envelopes", "recipient_key")):
        rows = conn.execute(sa.text(f"SELECT id, invite_id, {column} AS key FROM {table}")).all()
        _update_by_id(conn, table, column, {
            r.id: new for r in rows if (new := by_invite.get(r.invite_id) or remap(r.key)) != r.key})
    _rekey_subjects(conn, key_of)


def _user_keys(conn, key_of: Key) -> dict[str, str]:
    """Each user's key, old to new; two users that would share one key stop the migration, named."""
    keys: dict[str, str] = {}
    emails_of: dict[str, list[str]] = defaultdict(list)
    for row in conn.execute(sa.text("SELECT email_key, email FROM users")):
        keys[row.email_key] = key_of(row.email)
        emails_of[keys[row.email_key]].append(row.email)
    clashes = {key: emails for key, emails in emails_of.items() if len(emails) > 1}
    if clashes:
        shown = "; ".join(" and ".join(repr(e) for e in emails) for emails in clashes.values())
        raise RuntimeError(f"these users would become one email under the new email keys: {shown}; "
                           "merge or remove one of each before upgrading")
    return keys


def _invite_keys(conn, key_of: Key) -> dict:
    """Each invite's id -> (its stored key, the key of its email)."""
    return {row.id: (row.email_key, key_of(row.email))
            for row in conn.execute(sa.text("SELECT id, email_key, email FROM invites"))}


def _move_column(conn, table: str, column: str, remap: Callable[[str], str], keep: Callable | None = None) -> None:
    """Give the rows of a table whose primary key holds `column` their new key. Where two rows would meet, `keep`
    chooses the one that stays; without it they stop the migration (memberships: one user per key, checked before)."""
    others = [name for name in sa.inspect(conn).get_pk_constraint(table)["constrained_columns"] if name != column]
    keys = [row[0] for row in conn.execute(sa.text(f"SELECT DISTINCT {column} FROM {table}"))]
    moved = {old: new for old in keys if (new := remap(old)) != old}
    if not moved:
        return
    names = [*others, column]
    touched = conn.execute(sa.text(f"SELECT * FROM {table} WHERE {column} IN :keys")
                           .bindparams(sa.bindparam("keys", expanding=True)),
                           {"keys": sorted(set(moved) | set(moved.values()))}).all()
    meeting = defaultdict(list)
    for row in touched:
        meeting[(*[getattr(row, n) for n in others], moved.get(getattr(row, column), getattr(row, column)))].append(row)
    moves = {}
    for destination, rows in meeting.items():
        if len(rows) > 1:
            if keep is None:
                raise RuntimeError(f"{table}: rows {[tuple(r) for r in rows]} would share one key")
            kept = keep(rows)
            for row in rows:
                if row is not kept:
                    conn.execute(sa.text(f"DELETE FROM {table} WHERE " + " AND ".join(f"{n} = :{n}" for n in names)),
                                 {n: getattr(row, n) for n in names})
            rows = [kept]
        origin = tuple(getattr(rows[0], n) for n in names)
        if origin != destination:
            moves[origin] = destination
    _move(conn, table, names, moves)


def _move(conn, table: str, names: list[str], moves: dict[tuple, tuple]) -> None:
    """Move rows from one primary key to another in two steps, so a row moving onto another's old key never
    meets it on the way (parked under a key that begins with a space, which no stripped email has)."""
    column = names[-1]
    where = " AND ".join(f"{n} = :{n}" for n in names)
    parked = {}
    for index, (old, new) in enumerate(moves.items()):
        parked[(*old[:-1], f" rekey {index}")] = new
        conn.execute(sa.text(f"UPDATE {table} SET {column} = :parked WHERE {where}"),
                     {**dict(zip(names, old)), "parked": f" rekey {index}"})
    for old, new in parked.items():
        conn.execute(sa.text(f"UPDATE {table} SET {column} = :new WHERE {where}"),
                     {**dict(zip(names, old)), "new": new[-1]})


def _update_by_id(conn, table: str, column: str, new_keys: dict) -> None:
    for row_id, new in new_keys.items():
        conn.execute(sa.update(sa.table(table, sa.column("id"), sa.column(column)))
                     .where(sa.column("id") == row_id).values({column: new}))


def _rekey_subjects(conn, key_of: Key) -> None:
    """A job command's subject is the key of the email its payload names."""
    commands = sa.table("commands", sa.column("id", sa.Uuid), sa.column("subject"), sa.column("payload", sa.JSON))
    changed = {}
    rows = conn.execute(sa.select(commands.c.id, commands.c.subject, commands.c.payload)
                        .where(commands.c.subject.is_not(None)).execution_options(yield_per=5000))
    for row in rows:
        email = row.payload.get("email") or row.payload.get("admin_email")
        if email and (new := key_of(email)) != row.subject:
            changed[row.id] = new
    for command_id, new in changed.items():
        conn.execute(sa.update(commands).where(commands.c.id == command_id).values(subject=new))


@contextmanager
def _membership_user_fk_relaxed(conn) -> Iterator[None]:
    """Memberships point at users by email key; while both move, the foreign key waits (SQLite: deferred to the
    commit; PostgreSQL, whose constraint is not deferrable: dropped, then created again, which checks every row)."""
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        op.drop_constraint(MEMBERSHIP_USER_FK, "memberships", type_="foreignkey")
    else:
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    yield
    if postgres:
        op.create_foreign_key(MEMBERSHIP_USER_FK, "memberships", "users", ["email_key"], ["email_key"])
