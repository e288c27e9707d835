"""How applying a command is kept in the audit: its events as its actor's, a retried grant as the system's, a
refusal or a failure saying what the command asked."""
from __future__ import annotations

from datetime import datetime, timezone
from uuid import uuid4

from domain import commands as c
from domain import events as ev
from domain.command_audit import ASKED, audit_entry, audit_failure, audit_refusal, audit_target, retry_correlation

from .fakes import FakeRepository

NOW = datetime(2026, 12, 8, 10, 0, tzinfo=timezone.utc)
PENDING = uuid4()


def retry(on_registration: bool) -> c.AddMember:
    return c.system_command(c.AddMember, id=uuid4(), issued_at=NOW, actor="alice@example.com", source="web",
                            correlation_id=retry_correlation(PENDING, on_registration), account="1001",
                            group="Sales", email="dora@example.com", retry_of=PENDING)


def command(type_: str, **fields) -> c.Command:
    return c.parse_command({"type": type_, "id": str(uuid4()), "issued_at": NOW.isoformat(),
                            "actor": "alice@example.com", "source": "api", "correlation_id": "x",
                            "account": "1001", **fields})


def test_an_event_is_its_commands_actors_from_its_source():
    cmd = command("grant_admin", email="bob@example.com")

    entry = audit_entry(cmd, ev.AdminGranted("1001", "bob@example.com"), NOW)

    assert (entry.actor, entry.source, entry.action, entry.command_id) == (
        "alice@example.com", "api", "admin.granted", cmd.id)


def test_a_grant_retried_on_registration_is_the_systems_on_registration_naming_who_asked():
    entry = audit_entry(retry(True), ev.MemberAdded("1001", "dora@example.com", group="Sales"), NOW)

    assert (entry.actor, entry.source) == ("envadmin", "registration")
    assert entry.detail == (f"group Sales; the grant alice@example.com asked for (command {PENDING}), retried when "
                            "dora@example.com registered")


def test_a_grant_retried_when_an_administrator_adds_the_user_keeps_that_commands_source():
    repo = FakeRepository()

    audit_failure(retry(False), "gave up after 5 attempts", repo, NOW)

    [entry] = repo.audit
    assert (entry.actor, entry.source, entry.action, entry.target) == (
        "envadmin", "web", "command.failed", "dora@example.com")
    assert entry.detail.startswith("add a member to a group: gave up after 5 attempts; the grant alice@example.com")
    assert entry.detail.endswith("retried when dora@example.com was added as a user")
    assert len(retry(False).correlation_id) <= 128


def test_a_refusal_is_its_senders_on_what_the_command_was_about():
    repo = FakeRepository()

    audit_refusal(command("create_group", group="Ops"), "group Ops already exists", repo, NOW)
    audit_refusal(command("create_account", actor="support", name="Acme", admin_email="bob@example.com",
                          first_name="Bob", last_name="B", activation="mail"), "account 1001 already exists",
                  repo, NOW)

    assert [(e.actor, e.source, e.action, e.target, e.detail) for e in repo.audit] == [
        ("alice@example.com", "api", "command.refused", "Ops", "create a group: group Ops already exists"),
        ("support", "api", "command.refused", "1001", "create an account: account 1001 already exists")]


def test_every_command_type_is_worded_and_has_a_target():
    assert set(ASKED) == set(c.COMMAND_TYPES)
    assert audit_target(retry(True)) == "dora@example.com"
