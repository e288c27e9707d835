"""Hostile text is refused where it enters (API, onboarding rows); what validation lets through, the store keeps."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from domain.handlers import handle
from domain.validation import describe
from producers.http_app import create_http_app
from producers.onboarding.job import Onboarding
from producers.services.client import Client, new_command
from store.engine import make_engine
from store.reads import job_reports
from store.unit_of_work import SqlUnitOfWork

from ..support.builders import PASSWORD_HASH, account_with_admin
from ..support.sql import count_rows
from ..support.stack_settings import make_settings

ALICE = "alice@example.com"
TOKEN = "test-token-" + uuid4().hex

# Values that passed validation and then failed in the store (NUL on PostgreSQL; a key longer than its column
# once case-folded), or that hide what they say; and values at the limits that the store must keep.
HOSTILE = [("create_group", "group", "Sa\x00les"), ("create_group", "group", "\u00df" * 200),
           ("rename_group", "new_name", "\u00df" * 101), ("add_user", "first_name", "Bo\x00b"),
           ("add_user", "last_name", "Dupont\x1b[2J"), ("add_user", "email", "bob\u200b@example.com"),
           ("create_group", "group", "Sales\u202eselaS")]
AT_THE_LIMITS = [("create_group", "group", "\u00df" * 100), ("create_group", "group", "e\u0301" * 200),
                 ("add_user", "first_name", "\u00e9" * 200), ("add_user", "email", "j\u00f6rg@b\u00fccher.example"),
                 ("add_user", "email", "a@" + ".".join(["b" * 63] * 3) + ".com")]
FIELDS = {"create_group": {"group": "Sales"}, "rename_group": {"group": "Sales", "new_name": "Support"},
          "add_user": {"email": "bob@example.com", "first_name": "Bob", "last_name": "Builder",
                       "password_hash": PASSWORD_HASH}}


def command(type_: str, field: str, value: str):
    return new_command(type_, actor=ALICE, source="cli", account="1001", **{**FIELDS[type_], field: value})


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    with SqlUnitOfWork(engine) as uow:
        handle(account_with_admin("1001", ALICE), uow.repo, datetime.now(timezone.utc))
        handle(command("create_group", "group", "Sales"), uow.repo, datetime.now(timezone.utc))
        uow.commit()
    yield engine
    engine.dispose()


@pytest.mark.parametrize("type_, field, value", HOSTILE + AT_THE_LIMITS)
def test_what_validation_accepts_the_store_keeps_and_hostile_text_is_refused(engine, type_, field, value):
    try:
        cmd = command(type_, field, value)
    except ValidationError as refused:
        assert describe(refused).startswith(field.replace("_", " ") + ": "), describe(refused)
        assert (type_, field, value) in HOSTILE, describe(refused)
        return
    with SqlUnitOfWork(engine) as uow:  # NUL, or a key longer than its column, failed here on PostgreSQL
        outcome = handle(cmd, uow.repo, datetime.now(timezone.utc))
        uow.commit()
    assert outcome.status == "applied", outcome
    assert (type_, field, value) not in HOSTILE, f"{type_} {field}={value!r} was accepted"


@pytest.fixture
def settings(tmp_path, database_url):
    return make_settings(tmp_path / "var", database_url, None)


def test_the_api_answers_422_naming_the_field_and_the_character(settings):
    app = create_http_app(settings, pages=False, token=TOKEN)
    with TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"}) as api:
        response = api.post("/v1/commands", json={"commands": [
            {"type": "create_group", "actor": ALICE, "account": "1001", "group": "Sa\x00les"},
            {"type": "grant_admin", "actor": ALICE, "account": "1001", "email": "bob\u2060@example.com"},
            {"type": "create_group", "actor": ALICE, "account": "1001", "group": "Sales",
             "correlation_id": "up\x1bstream"}]})
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [e["index"] for e in errors] == [0, 1, 2]
    assert errors[0]["message"] == "group: must not contain a control character: U+0000"
    assert errors[1]["message"] == "email: must not contain an invisible character: U+2060 (WORD JOINER)"
    assert errors[2]["message"] == "correlation_id: must not contain a control character: U+001B"
    assert count_rows(settings.effective_database_url, "SELECT count(*) FROM commands") == 0


def test_an_onboarding_row_with_a_hostile_cell_is_invalid_and_the_others_go_on(settings, tmp_path):
    rows = [{"action": "add_user", "account": "1001", "email": "bob@example.com", "first_name": "Bob\x00",
             "last_name": "Builder"},
            {"action": "add_member", "account": "1001", "group": "Sa\u200bles", "email": ALICE},
            {"action": "add_member", "account": "1001", "group": "\u00df" * 150, "email": ALICE},
            {"action": "grant", "account": "1001", "email": "carol\x1b@example.com"},
            {"action": "grant", "account": "1001", "email": "dave@example.com"}]
    path = tmp_path / "people.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    client = Client(settings)
    job = Onboarding(client, path, actor="support", passwords_file=tmp_path / "people.passwords")
    job.run()
    errors = list(job_reports.errors(client.engine, UUID(str(job.job_id))))
    client.close()
    assert [(e["line"], e["status"], e["field"]) for e in errors] == [
        (1, "invalid", "first_name"), (2, "invalid", "group"), (3, "invalid", "group"), (4, "invalid", "email")]
    assert "U+0000" in errors[0]["reason"] and "U+200B" in errors[1]["reason"]
    assert "300" in errors[2]["reason"] and "U+001B" in errors[3]["reason"]
