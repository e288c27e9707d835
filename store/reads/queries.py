"""Read side: what the CLI, the API and dashboards show."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection, Engine, func, select

from domain.masking import masked_text, without_hashes
from domain.model import ADMIN_GROUP_KEY, email_key
from domain.said import kept
from domain.states import CommandStatus, GrantStatus, InviteStatus
from store.tables import accounts, commands, dead_letters, groups, invites, memberships, pending_grants, users


def _read(engine: Engine) -> Connection:
    return engine.connect().execution_options(readonly=True)


def command_status(engine: Engine, command_id: UUID) -> dict | None:
    """A command's id, type, status and reason as users read it; "reason_said": the reason's codes
    (producers.services.reasons shows them in the reader's language)."""
    with _read(engine) as conn:
        row = conn.execute(select(commands.c.id, commands.c.type, commands.c.account, commands.c.status,
                                  commands.c.reason, commands.c.reason_said, commands.c.attempts,
                                  commands.c.issued_at, commands.c.finished_at, commands.c.correlation_id)
                           .where(commands.c.id == command_id)).first()
    if row is None:
        return None
    return {"id": str(row.id), "type": row.type, "account": row.account, "status": row.status,
            "reason": row.reason, "reason_said": row.reason_said, "attempts": row.attempts,
            "issued_at": row.issued_at.isoformat(),
            "finished_at": row.finished_at.isoformat() if row.finished_at else None,
            "correlation_id": row.correlation_id}


def statuses(engine: Engine, command_ids: list[UUID]) -> dict[UUID, str]:
    with _read(engine) as conn:
        rows = conn.execute(select(commands.c.id, commands.c.status).where(commands.c.id.in_(command_ids)))
        return {row.id: row.status for row in rows}


def account_exists(engine: Engine, number: str) -> bool:
    with _read(engine) as conn:
        return conn.execute(select(accounts.c.number).where(accounts.c.number == number)).first() is not None


def account_used(engine: Engine, number: str) -> bool:
    """Whether the account exists or any command names it."""
    with _read(engine) as conn:
        return conn.execute(select(commands.c.id).where(commands.c.account == number).limit(1)).first() \
            is not None or conn.execute(select(accounts.c.number).where(accounts.c.number == number)).first() \
            is not None


def group_members(engine: Engine, account: str) -> dict[str, list[str]]:
    """Every group of the account with its members' emails, as first typed."""
    with _read(engine) as conn:
        names = conn.execute(select(groups.c.name_key, groups.c.name).where(groups.c.account == account)
                             .order_by(groups.c.name)).all()
        rows = conn.execute(select(memberships.c.group_key, users.c.email)
                            .join(users, users.c.email_key == memberships.c.email_key)
                            .where(memberships.c.account == account).order_by(users.c.email_key)).all()
    members: dict[str, list[str]] = {key: [] for key, _ in names}
    for row in rows:
        members[row.group_key].append(row.email)
    return {name: members[key] for key, name in names}


def admins(engine: Engine, account: str) -> list[str]:
    with _read(engine) as conn:
        return list(conn.execute(select(users.c.email)
                                 .join(memberships, users.c.email_key == memberships.c.email_key)
                                 .where(memberships.c.account == account,
                                        memberships.c.group_key == ADMIN_GROUP_KEY)
                                 .order_by(users.c.email_key)).scalars())


def status_counts(engine: Engine, accounts: Sequence[str] | None = None) -> dict[str, int]:
    """Commands by status: of these accounts only, or of all when None."""
    query = select(commands.c.status, func.count()).group_by(commands.c.status)
    if accounts is not None:
        query = query.where(commands.c.account.in_(accounts))
    with _read(engine) as conn:
        rows = conn.execute(query).all()
    counts = {status: 0 for status in CommandStatus}
    counts.update({status: n for status, n in rows})
    return counts


def dead_letter_count(engine: Engine, accounts: Sequence[str] | None = None) -> int:
    """Dead letters: of commands of these accounts only, or all when None."""
    query = select(func.count()).select_from(dead_letters)
    if accounts is not None:
        query = query.join(commands, commands.c.id == dead_letters.c.command_id).where(
            commands.c.account.in_(accounts))
    with _read(engine) as conn:
        return conn.execute(query).scalar_one()


def list_dead_letters(engine: Engine, limit: int = 100) -> list[dict]:
    """The newest dead letters, their payloads with every secret masked."""
    with _read(engine) as conn:
        rows = conn.execute(select(dead_letters).order_by(dead_letters.c.id.desc()).limit(limit)).all()
    return [{"id": row.id, "at": row.at.isoformat(), "command_id": str(row.command_id) if row.command_id else None,
             "reason": _reason(row), "payload": masked_text(row.payload)} for row in rows]


def dead_letter(engine: Engine, letter_id: int) -> dict | None:
    """One dead letter with its command's status now (None: no command, or not in the log) and its last replay;
    its payload with every secret masked."""
    with _read(engine) as conn:
        row = conn.execute(_with_command_status().where(dead_letters.c.id == letter_id)).first()
    return None if row is None else {**_letter(row), "payload": masked_text(row.payload)}


def latest_dead_letters(conn: Connection, limit: int) -> list[dict]:
    """The newest dead letters, as dead_letter() gives them but without their payloads."""
    rows = conn.execute(_with_command_status().order_by(dead_letters.c.id.desc()).limit(limit)).all()
    return [_letter(row) for row in rows]


def _with_command_status():
    return select(dead_letters, commands.c.status.label("command_status")).select_from(
        dead_letters.outerjoin(commands, commands.c.id == dead_letters.c.command_id))


def _letter(row) -> dict:
    return {"id": row.id, "at": row.at.isoformat(), "reason": _reason(row),
            "command_id": str(row.command_id) if row.command_id else None, "command_status": row.command_status,
            "replayed_at": row.replayed_at.isoformat() if row.replayed_at else None, "replayed_by": row.replayed_by}


def _reason(row) -> str:
    """A dead letter's reason: as a message (domain.said), shown in each reader's language, when it has codes and
    holds no password hash; else its English, every hash masked."""
    english = without_hashes(row.reason)
    return english if english != row.reason else kept(row.reason_said, english)


def pending_admins(engine: Engine, account: str) -> list[str]:
    """Emails whose admin grant waits for registration."""
    with _read(engine) as conn:
        rows = conn.execute(
            select(invites.c.email_key, invites.c.email)
            .join(pending_grants, pending_grants.c.invite_id == invites.c.id)
            .where(pending_grants.c.account == account, pending_grants.c.group_key == ADMIN_GROUP_KEY,
                   pending_grants.c.status == GrantStatus.PENDING)
            .distinct().order_by(invites.c.email_key)).all()
    return [row.email for row in rows]


def list_invites(engine: Engine, account: str | None = None, status: str | None = None, limit: int = 500, *,
                 now: datetime) -> list[dict]:
    """Invites, newest first; an invite past its expiry at `now` but not yet swept shows as expired."""
    query = select(invites).order_by(invites.c.created_at.desc()).limit(limit)
    if account is not None:
        query = query.where(invites.c.account == account)
    with _read(engine) as conn:
        rows = conn.execute(query).all()
    shown = []
    for row in rows:
        late = row.status == InviteStatus.PENDING and row.expires_at <= now
        state = InviteStatus.EXPIRED if late else row.status
        if status is None or state == status:
            shown.append({"id": str(row.id), "email": row.email, "account": row.account, "status": state,
                          "invited_by": row.invited_by, "created_at": row.created_at.isoformat(),
                          "expires_at": row.expires_at.isoformat(), "reason": row.reason})
    return shown


def user_has_password_hash(engine: Engine, email: str, password_hash: str) -> bool:
    """Whether the user of this email exists and holds exactly this password hash."""
    with _read(engine) as conn:
        stored = conn.execute(select(users.c.password_hash).where(users.c.email_key == email_key(email))).scalar()
    return stored == password_hash
