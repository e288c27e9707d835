"""What the operators' dashboard, `status --watch` and /metrics read from the store, in one pass.

Windows of recent minutes go through the index on finished_at, latencies are taken from the newest finished
commands only, lists are short. The commands by status come from the metrics' tallies and the partial indexes of the
unsettled statuses (store/metrics/status_counts.py), so a journal of millions costs them nothing; each shown job's
counts by status read that job's rows; the dashboard reads at most once a second, whoever watches."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, and_, case, func, select

from domain.states import CommandStatus, GrantStatus, InviteStatus
from store.mail_outbox import MAIL_FAILED, MAIL_PENDING, MAIL_SENT
from store.metrics import latency, status_counts
from store.metrics.delivery_states import delivery_counts
from store.metrics.status_counts import DEFAULT_FOLD_LAG
from store.reads import job_reports, queries
from store.tables import commands, dead_letters, invites, jobs, mail_outbox, pending_grants

CHART_MINUTES = 15
RATE_WINDOWS = (1, 5, 15)  # minutes, as a load average reads them
LATENCY_WINDOW = timedelta(minutes=5)
LATENCY_SAMPLE = 5000  # newest finished commands whose latency is read; beyond that, a sample of the newest
TOP_ACCOUNTS = 5
RECENT_JOBS = 5
LATEST_JOBS = 20  # read each time: the running ones among them, then the finished
LATEST_DEAD_LETTERS = 10


def read_figures(engine: Engine, now: datetime, fold_lag: timedelta = DEFAULT_FOLD_LAG) -> dict:
    """Commands, rates, latency, pending grants, invites, the mail outbox, jobs, dead letters and outcome deliveries,
    as of `now`; the commands by status through store.metrics.status_counts (`fold_lag`: how long its tallies wait
    before folding what finished)."""
    by_status = status_counts.by_status(engine, now, fold_lag)
    options = {"readonly": True}
    if engine.dialect.name == "postgresql":  # one snapshot for every figure, as SQLite's read transaction gives
        options["isolation_level"] = "REPEATABLE READ"
    with engine.connect().execution_options(**options) as conn:
        figures = {"at": now.isoformat(), "commands": by_status,
                   "applied_per_minute": _applied_per_minute(conn, now),
                   "latency_seconds": _latency(conn, now), "pending_grants": _pending_grants(conn, now),
                   "invites": invites_by_state(conn, now), "outbox": outbox_summary(conn, now),
                   "dead_letters": _dead_letters(conn), "deliveries": delivery_counts(conn)}
        latest_jobs = conn.execute(select(jobs.c.id).order_by(jobs.c.created_at.desc())
                                   .limit(LATEST_JOBS)).scalars().all()
    per_minute = figures["applied_per_minute"]
    figures["applied_per_second"] = {f"{m}m": round(sum(per_minute[-m:]) / (60.0 * m), 1) for m in RATE_WINDOWS}
    figures["jobs"] = _jobs(engine, latest_jobs, now)
    return figures


def _applied_per_minute(conn: Connection, now: datetime) -> list[int]:
    """Commands applied in each of the last CHART_MINUTES minutes, oldest first; the last is the current minute."""
    ends = [now - timedelta(minutes=back) for back in range(CHART_MINUTES - 1, -1, -1)]
    starts = [end - timedelta(minutes=1) for end in ends]
    row = conn.execute(select(*[func.coalesce(func.sum(case((and_(commands.c.finished_at > start,
                                                                  commands.c.finished_at <= end), 1), else_=0)), 0)
                                for start, end in zip(starts, ends)])
                       .where(commands.c.finished_at > starts[0], commands.c.status == CommandStatus.APPLIED)).one()
    return [int(n) for n in row]


def _latency(conn: Connection, now: datetime) -> dict:
    """Submit-to-outcome latency of the newest commands finished in the last five minutes, of those whose latency
    counts (store/metrics/latency.py: applied, rejected or failed, never held pending): p50, p99, how many read."""
    held = latency.held_pending()
    rows = conn.execute(select(commands.c.submitted_at, commands.c.finished_at)
                        .select_from(latency.with_held_pending(held))
                        .where(commands.c.finished_at > now - LATENCY_WINDOW, latency.is_timed(held))
                        .order_by(commands.c.finished_at.desc()).limit(LATENCY_SAMPLE)).all()
    seconds = sorted(max(0.0, (done - submitted).total_seconds()) for submitted, done in rows)
    return {"p50": _quantile(seconds, 0.50), "p99": _quantile(seconds, 0.99), "count": len(seconds)}


def _quantile(ordered: list[float], q: float) -> float | None:
    if not ordered:
        return None
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def _pending_grants(conn: Connection, now: datetime) -> dict:
    waiting = pending_grants.c.status == GrantStatus.PENDING
    count, oldest = conn.execute(select(func.count(), func.min(pending_grants.c.created_at)).where(waiting)).one()
    top = conn.execute(select(pending_grants.c.account, func.count().label("n")).where(waiting)
                       .group_by(pending_grants.c.account).order_by(func.count().desc(), pending_grants.c.account)
                       .limit(TOP_ACCOUNTS)).all()
    return {"count": count, "oldest_seconds": _age(now, oldest),
            "top_accounts": [{"account": account, "count": n} for account, n in top]}


def invites_by_state(conn: Connection, now: datetime) -> dict[str, int]:
    """Invites by state; a pending invite past its expiry, not yet swept, counts as expired."""
    late = and_(invites.c.status == InviteStatus.PENDING, invites.c.expires_at <= now)
    state = case((late, InviteStatus.EXPIRED), else_=invites.c.status)
    found = dict(conn.execute(select(state, func.count()).group_by(state)).all())
    return {status: found.get(status, 0) for status in InviteStatus}


def outbox_summary(conn: Connection, now: datetime) -> dict:
    """Mails queued, sent and failed, and the age of the oldest still queued."""
    found = dict(conn.execute(select(mail_outbox.c.status, func.count()).group_by(mail_outbox.c.status)).all())
    oldest = conn.execute(select(func.min(mail_outbox.c.created_at))
                          .where(mail_outbox.c.status == MAIL_PENDING)).scalar()
    return {"queued": found.get(MAIL_PENDING, 0), "sent": found.get(MAIL_SENT, 0),
            "failed": found.get(MAIL_FAILED, 0), "oldest_unsent_seconds": _age(now, oldest)}


def _dead_letters(conn: Connection) -> dict:
    """The count and the latest, each with its command's status now (None: the message named no command)."""
    count = conn.execute(select(func.count()).select_from(dead_letters)).scalar_one()
    return {"count": count, "latest": queries.latest_dead_letters(conn, LATEST_DEAD_LETTERS)}


def _jobs(engine: Engine, job_ids: list, now: datetime) -> dict:
    """Running jobs with their progress and rows/s; the latest finished ones with their counts."""
    reports = [job_reports.report(engine, job_id, now) for job_id in job_ids]
    running = [r for r in reports if r and r["state"] == job_reports.RUNNING]
    recent = [r for r in reports if r and r["state"] != job_reports.RUNNING][:RECENT_JOBS]
    return {"running": running, "recent": recent}


def _age(now: datetime, since: datetime | None) -> float | None:
    return round((now - since).total_seconds(), 1) if since is not None else None
