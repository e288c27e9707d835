"""How many invites a chunk's accounts sent lately, for the invite limits (domain.invite_limits): the stored ones
counted in one query per chunk, the chunk's own kept in memory."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, func, select

from domain.model import Account
from store.bulk_sql import among
from store.tables import invites


class ChunkInviteCounts:
    """Mixed into ChunkRepository, which fills `_invite_times` as it reads a person's invites (every status) and
    both lists as it adds one."""

    conn: Connection
    _accounts: dict[str, Account | None]
    _load_invites: Callable[[set[str]], None]

    def __init__(self) -> None:
        self._invite_times: dict[tuple[str, str], list[datetime]] = defaultdict(list)  # (account, email key)
        self._new_invite_times: dict[str, list[datetime]] = defaultdict(list)  # by account: this chunk's
        self._stored_invite_counts: dict[datetime, dict[str, int]] = {}  # since -> account -> invites after it
        self._stored_nth: dict[tuple[str, int, datetime], datetime | None] = {}

    def nth_newest_invite(self, account: str, n: int, since: datetime, key: str | None = None) -> datetime | None:
        if key is not None:  # a person's invites are few, and read ahead with the rest of theirs
            self._load_invites({key})
            times = sorted((t for t in self._invite_times.get((account, key), ()) if t > since), reverse=True)
            return times[n - 1] if len(times) >= n else None
        new = sorted((t for t in self._new_invite_times.get(account, ()) if t > since), reverse=True)
        if len(new) >= n:
            return new[n - 1]
        if self._stored_invites_after(since, account) + len(new) < n:
            return None
        older = (account, n - len(new), since)  # asked only once the limit is reached: rare, and kept
        if older not in self._stored_nth:
            self._stored_nth[older] = self.conn.execute(
                select(invites.c.created_at).where(invites.c.account == account, invites.c.created_at > since)
                .order_by(invites.c.created_at.desc()).offset(n - len(new) - 1).limit(1)).scalar()
        return self._stored_nth[older]

    def _stored_invites_after(self, since: datetime, account: str) -> int:
        """Invites of the account stored before this chunk, created after `since`: counted for all the chunk's
        accounts in one query (their commands share `since`, the chunk's time less the window)."""
        counts = self._stored_invite_counts.get(since)
        if counts is None or account not in counts:
            numbers = {number for number in self._accounts} | {account}
            counts = {number: 0 for number in numbers}
            counts.update(self.conn.execute(
                select(invites.c.account, func.count()).where(among(self.conn, invites.c.account, numbers),
                                                              invites.c.created_at > since)
                .group_by(invites.c.account)).all())
            self._stored_invite_counts[since] = counts
        return counts[account]
