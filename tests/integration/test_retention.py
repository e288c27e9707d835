"""The prune and the archive on SQLite and PostgreSQL: past its retention a row goes only when nothing still needs
it; a dry run counts exactly what a prune removes; an archive holds what the prune would remove and restores into
another store, once."""
from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest
from sqlalchemy import delete, func, insert, select, text

from messaging.broker import PRUNE_RETENTION
from store.archive import ArchiveError, archive, restore
from store.engine import make_engine
from store.metrics import batch_sizes
from store.migrate import upgrade
from store.partitions import is_partitioned, months
from store.retention import Retention, prune
from store.tables import (
    audit_log,
    commands,
    dead_letters,
    envelopes,
    invites,
    job_invalid_rows,
    jobs,
    mail_outbox,
    outcome_events,
    pending_grants,
    tally_marks,
    webhook_deliveries,
)
from store.tables import batch_sizes as batch_sizes_table
from workers.celery_app import create_app

from ..support.stack_settings import make_settings

NOW = datetime(2026, 12, 7, 12, tzinfo=timezone.utc)
OLD, RECENT = NOW - timedelta(days=500), NOW - timedelta(days=5)
RETENTION = Retention()  # the defaults: 400 days of history, 30 of mails and outcomes, 90 of dead letters


def command(status: str, finished: datetime | None, job: UUID | None = None, line: int | None = None) -> UUID:
    ident = uuid4()
    ROWS.append((commands, dict(
        id=ident, type="grant_admin", account="1001", actor="alice@example.com", source="job" if job else "cli",
        correlation_id=str(ident), issued_at=OLD, payload={}, status=status, attempts=1, submitted_at=OLD,
        finished_at=finished, job_id=job, job_line=line)))
    return ident


def job(state: str = "submitted") -> UUID:
    ident = uuid4()
    ROWS.append((jobs, dict(id=ident, kind="onboard", file_name="f.csv", file_digest="0" * 64, file_format="csv",
                            actor="support", state=state, rows_read=2, created_at=OLD, producer_seen_at=OLD)))
    ROWS.append((job_invalid_rows, dict(job_id=ident, line=9, reason="is not valid UTF-8")))
    return ident


def invite(status: str, grant: str, mail: str) -> UUID:
    ident = uuid4()
    ROWS.append((invites, dict(id=ident, account="1001", email_key=f"{ident}@x.example", email=f"{ident}@x.example",
                               invited_by="alice@example.com", status=status, token_hash=ident.hex + "0" * 32,
                               created_at=OLD, expires_at=OLD + timedelta(days=7), finished_at=OLD)))
    ROWS.append((pending_grants, dict(id=uuid4(), invite_id=ident, account="1001", group_key="admins",
                                      email_key=f"{ident}@x.example", command_id=uuid4(), actor="alice@example.com",
                                      issued_at=OLD, status=grant, created_at=OLD)))
    ROWS.append((envelopes, dict(id=ident.hex, invite_id=ident, recipient_key=f"{ident}@x.example", nonce=b"n",
                                 ciphertext=b"c", key_nonce=b"k", wrapped_key=b"w", created_at=OLD)))
    mail_row(mail, OLD, ident)
    return ident


def mail_row(status: str, at: datetime, invite_id: UUID | None = None) -> UUID:
    ident = uuid4()
    ROWS.append((mail_outbox, dict(id=ident, invite_id=invite_id, to_email="x@x.example", subject="s",
                                   body_nonce=b"n", body_ciphertext=b"c", status=status, attempts=1, created_at=at,
                                   sent_at=at if status == "sent" else None)))
    return ident


def outcome(seq: int, at: datetime, delivery: str) -> int:
    ROWS.append((outcome_events, dict(seq=seq, event_id=uuid4(), command_id=uuid4(), api_key_id="k1",
                                      account="1001", command_type="grant_admin", type="command.applied",
                                      status="applied", occurred_at=at)))
    ROWS.append((webhook_deliveries, dict(event_seq=seq, api_key_id="k1", channel="webhook",
                                          target="https://hr.example/hook", state=delivery, attempts=1,
                                          next_attempt_at=at, created_at=at)))
    return seq


ROWS: list = []


@pytest.fixture
def store(database_url):
    """A store holding, for each rule, rows that may go and rows that something still needs."""
    ROWS.clear()
    engine = make_engine(database_url)
    gone_job, busy_job, submitting_job = job(), job(), job(state="submitting")
    seeded = {
        "gone": {
            "commands": {command("applied", OLD), command("rejected", OLD), command("applied", OLD, gone_job, 2),
                         command("failed", OLD, gone_job, 3)},
            "jobs": {gone_job},
            "invites": {invite("accepted", "retried", "sent"), invite("expired", "expired", "failed")},
            "mail_outbox": {mail_row("sent", OLD), mail_row("failed", OLD)},
            "outcome_events": {outcome(1, OLD, "sent"), outcome(2, OLD, "given_up")},
        },
        "kept": {
            "commands": {command("queued", None), command("pending", None), command("applied", RECENT),
                         command("applied", OLD, busy_job, 2), command("queued", None, busy_job, 3),
                         command("applied", OLD, submitting_job, 2)},
            "jobs": {busy_job, submitting_job},
            "invites": {invite("pending", "pending", "sent"), invite("replaced", "pending", "sent"),
                        invite("expired", "expired", "pending")},
            "mail_outbox": {mail_row("pending", OLD), mail_row("sent", RECENT)},
            "outcome_events": {outcome(3, OLD, "waiting"), outcome(4, OLD, "failing"), outcome(5, RECENT, "sent")},
        },
    }
    dead_command = command("failed", OLD)
    seeded["gone"]["commands"].add(dead_command)
    requeued = command("queued", None)
    seeded["kept"]["commands"].add(requeued)
    with engine.begin() as conn:
        for table, row in ROWS:
            conn.execute(insert(table).values(**row))
        conn.execute(insert(audit_log), [dict(at=at, actor="alice@example.com", action="admin.granted", target="b",
                                              account="1001", command_id=uuid4(), source="cli", detail="")
                                         for at in (OLD, OLD, RECENT)])
        conn.execute(insert(dead_letters), [dict(at=OLD, command_id=dead_command, reason="r", payload="{}"),
                                            dict(at=OLD, command_id=requeued, reason="r", payload="{}"),
                                            dict(at=RECENT, command_id=dead_command, reason="r", payload="{}")])
    yield engine, seeded
    engine.dispose()


def ids(engine, column) -> set:
    with engine.connect() as conn:
        return set(conn.execute(select(column)).scalars())


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for table in (commands, jobs, job_invalid_rows, audit_log, invites, pending_grants, envelopes,
                              mail_outbox, outcome_events, webhook_deliveries, dead_letters)}


def test_past_its_retention_only_what_nothing_needs_goes_and_a_dry_run_counts_it_exactly(store):
    engine, seeded = store
    before = counts(engine)

    counted = prune(engine, NOW, RETENTION, dry_run=True)
    assert counts(engine) == before
    removed = prune(engine, NOW, RETENTION, batch=2)  # batches of two: the prune loops until none is left

    assert removed == counted
    after = counts(engine)
    assert {name: before[name] - after[name] for name in before} == {name: removed.get(name, 0) for name in before}
    assert ids(engine, commands.c.id) == seeded["kept"]["commands"]
    assert ids(engine, jobs.c.id) == seeded["kept"]["jobs"] == ids(engine, job_invalid_rows.c.job_id)
    assert ids(engine, invites.c.id) == seeded["kept"]["invites"]
    assert ids(engine, pending_grants.c.invite_id) == ids(engine, envelopes.c.invite_id) == seeded["kept"]["invites"]
    assert ids(engine, mail_outbox.c.status) == {"pending", "sent"}  # the unsent mails, and the recent one
    assert seeded["kept"]["mail_outbox"] <= ids(engine, mail_outbox.c.id)
    assert not ids(engine, mail_outbox.c.id) & seeded["gone"]["mail_outbox"]
    assert ids(engine, outcome_events.c.seq) == seeded["kept"]["outcome_events"] == ids(engine,
                                                                                          webhook_deliveries.c.event_seq)
    assert after["audit_log"] == 1 and after["dead_letters"] == 2
    assert prune(engine, NOW, RETENTION) == {name: 0 for name in removed}  # nothing more to go


def test_a_command_the_metrics_have_not_folded_yet_stays(store):
    engine, seeded = store
    with engine.begin() as conn:
        conn.execute(delete(tally_marks))
        conn.execute(insert(tally_marks).values(name="commands", folded_until=OLD - timedelta(days=1)))

    prune(engine, NOW, RETENTION)

    assert seeded["gone"]["commands"] <= ids(engine, commands.c.id)
    assert seeded["gone"]["jobs"] <= ids(engine, jobs.c.id)


def test_an_archive_holds_what_the_prune_removes_and_restores_into_another_store_once(store, tmp_path):
    engine, seeded = store
    path = tmp_path / "history.jsonl.gz"

    written = archive(engine, NOW - RETENTION.commands, path)
    removed = prune(engine, NOW, RETENTION)

    assert {name: written[name] for name in ("commands", "jobs", "job_invalid_rows")} == {
        name: removed[name] for name in ("commands", "jobs", "job_invalid_rows")}
    assert written["audit_log"] == removed["audit_log"] == 2
    other = make_engine(f"sqlite:///{tmp_path / 'audit.db'}")
    upgrade(other)
    assert restore(other, path) == written
    assert set(restore(other, path).values()) == {0}  # restored twice: nothing is added twice
    assert ids(other, commands.c.id) == seeded["gone"]["commands"]
    with other.begin() as conn:
        conn.execute(insert(audit_log).values(at=NOW, actor="a", action="x", target="t", command_id=uuid4(),
                                              source="cli", detail=""))
    other.dispose()


def test_the_archive_restored_into_its_own_store_adds_only_what_went(store, tmp_path):
    engine, _seeded = store
    path = tmp_path / "history.jsonl.gz"
    written = archive(engine, NOW - RETENTION.commands, path)
    prune(engine, NOW, RETENTION)

    assert restore(engine, path) == written
    with engine.begin() as conn:  # PostgreSQL's sequences moved past the restored keys
        conn.execute(insert(audit_log).values(at=NOW, actor="a", action="x", target="t", command_id=uuid4(),
                                              source="cli", detail=""))
        if is_partitioned(conn):  # the restored months have their partitions again: nothing left in DEFAULT
            assert [part.name for part in months(conn, "commands")][0] == f"commands_{OLD:%Y_%m}"
            assert conn.execute(text("SELECT count(*) FROM commands_default")).scalar_one() == 0
            assert conn.execute(text("SELECT count(*) FROM audit_log_default")).scalar_one() == 0
            assert conn.execute(text(f"SELECT count(*) FROM commands_{OLD:%Y_%m}")).scalar_one() == \
                conn.execute(select(func.count()).select_from(commands)).scalar_one() > written["commands"]


def test_a_file_that_is_not_an_archive_is_refused_naming_the_line(store, tmp_path):
    engine, _seeded = store
    bad = tmp_path / "bad.jsonl.gz"
    with gzip.open(bad, "wt") as out:
        out.write('{"table": "users", "row": {}}\n')
    with pytest.raises(ArchiveError, match="line 1: table 'users' is not one an archive holds"):
        restore(engine, bad)
    plain = tmp_path / "plain.jsonl"
    plain.write_text("{}\n")
    with pytest.raises(ArchiveError, match="not a gzip-compressed archive"):
        restore(engine, plain)


def test_beat_prunes_by_the_settings_retention(store, database_url, tmp_path):
    engine, seeded = store
    app = create_app(make_settings(tmp_path / "var", database_url, None, command_retention_days=10_000))
    assert any(entry["task"] == PRUNE_RETENTION for entry in app.conf.beat_schedule.values())

    removed = app.tasks[PRUNE_RETENTION]()

    assert removed["commands"] == 0 and removed["audit_log"] == 2  # commands kept 10,000 days; the rest as default
    assert removed["batch_sizes"] == 0  # no worker counted a batch in this store
    assert seeded["gone"]["commands"] <= ids(engine, commands.c.id)


def envadmin(database_url: str, tmp_path, *args: str, lang: str = "C.UTF-8") -> subprocess.CompletedProcess:
    env = {**os.environ, "ENVADMIN_DATABASE_URL": database_url, "ENVADMIN_DATA_DIR": str(tmp_path / "var"),
           "LANG": lang, "LC_ALL": "", "LANGUAGE": "", "LC_MESSAGES": ""}
    return subprocess.run([sys.executable, "-m", "producers.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)


def test_envadmin_prune_and_archive_as_an_operator_runs_them(store, database_url, tmp_path):
    engine, seeded = store
    path = tmp_path / "2025.jsonl.gz"

    dry = envadmin(database_url, tmp_path, "prune", "--dry-run", "--json")
    archived = envadmin(database_url, tmp_path, "archive", "--before", "2025-12-01", "--to", str(path), lang="fr_FR.UTF-8")
    again = envadmin(database_url, tmp_path, "archive", "--before", "2025-12-01", "--to", str(path))
    pruned = envadmin(database_url, tmp_path, "prune")
    bad_date = envadmin(database_url, tmp_path, "archive", "--before", "last year", "--to", str(tmp_path / "x.gz"))
    both = envadmin(database_url, tmp_path, "archive", "--restore", str(path), "--to", str(path))

    assert dry.returncode == 0 and json.loads(dry.stdout)["removed"]["audit_log"] == 2, dry.stderr
    assert "commands : 5 lignes écrites" in archived.stdout.replace("\u202f", " "), archived.stdout + archived.stderr
    assert again.returncode != 0 and "already exists: an archive is never written over" in again.stderr
    assert pruned.returncode == 0 and "commands: 5 rows removed" in pruned.stdout, pruned.stdout + pruned.stderr
    assert "audit_log: 2 rows removed" in pruned.stdout and "Traceback" not in pruned.stderr
    assert not ids(engine, commands.c.id) & seeded["gone"]["commands"]
    assert bad_date.returncode == 2 and "--before: 'last year' is not a date" in bad_date.stderr
    assert both.returncode == 2 and "use one or the other" in both.stderr


def test_folding_the_workers_batch_size_rows_keeps_the_sums_metrics_read(database_url):
    engine = make_engine(database_url)
    with engine.begin() as conn:
        for writer, size in (("host-a:1", 500), ("host-a:1", 500), ("host-b:7", 3), ("host-c:9", 500)):
            batch_sizes.record(conn, size, writer=writer)
    with engine.connect() as conn:
        before = batch_sizes.read(conn)

    with engine.begin() as conn:
        assert batch_sizes.fold(conn) == 3  # host-a's and host-c's 500-bucket rows, host-b's 5-bucket row
    with engine.begin() as conn:
        assert batch_sizes.fold(conn) == 0
        batch_sizes.record(conn, 500, writer="host-a:1")  # a live worker goes on counting after the fold
    with engine.connect() as conn:
        after = batch_sizes.read(conn)
        writers = set(conn.execute(select(batch_sizes_table.c.writer)).scalars())
    engine.dispose()

    assert after.count == before.count + 1 and after.total == before.total + 500
    assert [n for _, n in after.buckets][-1] == 5
    assert writers == {batch_sizes.FOLDED, "host-a:1"}
