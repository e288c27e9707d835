"""The account console over HTTP on a real store: only an account's administrators see it, and adding an
administrator by email submits a grant as the person signed in (source `web`), an unknown email ending pending
with an invite instead of "Cannot add a non-existent user".

Commands the pages submit are journalled and published to the embedded broker; here they are applied as a worker
applies them, from the journal (tests/e2e run the same with real workers and a browser).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from domain.model import email_key
from producers.http_app import create_http_app
from store import credentials
from store.reads import queries
from store.reads.audit_trail import AuditFilter, audit_page
from store.tables import commands, web_sessions

from ..support.builders import account_with_admin
from .apply_here import applier
from .console_site import ALICE, BOB, MALLORY, OWN, TEMPORARY, Console


def test_the_account_page_lists_administrators_and_groups_for_an_administrator(console):
    console.sign_in(ALICE, OWN)
    page = console.browser.get("/accounts/1001")
    assert page.status_code == 200
    assert "Acme" in page.text and ALICE in page.text and "Account Administrators" in page.text
    assert 'action="/accounts/1001/admins"' in page.text
    home = console.browser.get("/")
    assert 'href="/accounts/1001"' in home.text


@pytest.mark.parametrize("path", ["/accounts/1001", "/accounts/9999", "/accounts/1001/commands/x"])
def test_someone_who_does_not_administer_the_account_gets_404(console, path):
    console.sign_in(BOB, OWN)
    assert console.browser.get(path).status_code == 404


def test_the_outcome_of_a_real_command_of_the_account_is_hidden_from_someone_who_does_not_administer_it(console):
    console.sign_in(ALICE, OWN)
    added = console.browser.post("/accounts/1001/admins", data={"csrf_token": console.csrf("/accounts/1001"),
                                                                 "email": MALLORY}, follow_redirects=False)
    outcome = added.headers["location"]
    assert console.browser.get(outcome).status_code == 200

    console.sign_in(BOB, OWN)
    refused = console.browser.get(outcome)
    assert refused.status_code == 404 and MALLORY not in refused.text


def test_the_audit_names_the_person_signed_in_in_the_normal_form_of_their_email(console):
    console.sign_in("ALICE@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.\uff23\uff2f\uff2d", OWN)  # fullwidth domain
    added = console.browser.post("/accounts/1001/admins", data={"csrf_token": console.csrf("/accounts/1001"),
                                                                 "email": BOB}, follow_redirects=False)
    assert console.apply_journalled(UUID(added.headers["location"].rsplit("/", 1)[-1])) == "applied"

    granted = audit_page(console.engine, "1001", AuditFilter(action="admin.granted")).entries
    assert [(entry.actor, entry.target) for entry in granted if entry.target == BOB] == [(ALICE, BOB)]


def test_nobody_signed_in_is_sent_to_sign_in_and_back(console):
    response = console.browser.get("/accounts/1001", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Faccounts%2F1001"


def test_adding_an_existing_user_grants_admin_as_the_person_signed_in(console):
    console.sign_in(ALICE, OWN)
    added = console.browser.post("/accounts/1001/admins", data={"csrf_token": console.csrf("/accounts/1001"),
                                                                 "email": BOB, "by": "support"},
                                 follow_redirects=False)
    assert added.status_code == 303
    command_id = UUID(added.headers["location"].rsplit("/", 1)[-1])
    waiting = console.browser.get(added.headers["location"])
    assert "Being applied" in waiting.text and '<meta http-equiv="refresh"' in waiting.text

    assert console.apply_journalled(command_id) == "applied"
    done = console.browser.get(added.headers["location"])
    assert "Done" in done.text and '<meta http-equiv="refresh"' not in done.text
    stored = queries.command_status(console.engine, command_id)
    with console.engine.connect() as conn:
        row = conn.execute(select(commands.c.actor, commands.c.source).where(commands.c.id == command_id)).one()
    assert (row.actor, row.source) == (ALICE, "web") and stored["type"] == "grant_admin"
    assert BOB in queries.admins(console.engine, "1001")


def test_adding_an_email_with_no_user_sends_an_invite_and_lists_it_pending(console):
    console.sign_in(ALICE, OWN)
    added = console.browser.post("/accounts/1001/admins", data={"csrf_token": console.csrf("/accounts/1001"),
                                                                 "email": "newcomer@example.com"})
    command_id = UUID(str(added.url).rsplit("/", 1)[-1])
    assert console.apply_journalled(command_id) == "pending"
    outcome = console.browser.get(str(added.url)).text
    assert "Invite sent" in outcome and "when they register" in outcome
    account = console.browser.get("/accounts/1001").text
    assert "newcomer@example.com" in account and "Pending: invite pending" in account


def test_a_bad_email_is_named_beside_the_field_and_nothing_is_submitted(console):
    console.sign_in(ALICE, OWN)
    before = queries.status_counts(console.engine)
    page = console.browser.post("/accounts/1001/admins", data={"csrf_token": console.csrf("/accounts/1001"),
                                                                "email": "not an email"})
    assert page.status_code == 422 and 'id="email-error"' in page.text and 'value="not an email"' in page.text
    assert queries.status_counts(console.engine) == before


def test_a_refusal_shows_the_domain_reason(console):
    console.sign_in(ALICE, OWN)
    # Alice stops administering 1001 between showing the page and the worker applying her grant.
    form = console.csrf("/accounts/1001")
    added = console.browser.post("/accounts/1001/admins", data={"csrf_token": form, "email": MALLORY},
                                 follow_redirects=False)
    command_id = UUID(added.headers["location"].rsplit("/", 1)[-1])
    with console.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM memberships WHERE email_key = 'alice@example.com'")
    assert console.apply_journalled(command_id) == "rejected"
    with console.engine.begin() as conn:  # back, so she may read the outcome page
        conn.exec_driver_sql("INSERT INTO memberships (account, group_key, email_key) "
                             "VALUES ('1001', 'account administrators', 'alice@example.com')")
    outcome = console.browser.get(added.headers["location"]).text
    assert "Refused" in outcome and "not an administrator" in outcome


def test_a_form_of_a_session_ended_by_inactivity_is_refused_and_changes_nothing(database_url, tmp_path):
    settings, engine, factory, apply = applier(database_url, tmp_path, web_session_idle_minutes=30)
    assert apply(account_with_admin("1001", ALICE)) == ["applied"]
    assert credentials.change_password(engine, ALICE, TEMPORARY, OWN, datetime.now(timezone.utc), client="t").ok
    with TestClient(create_http_app(settings, pages=True, token="")) as browser:
        console = Console(browser, engine, factory)
        console.sign_in(ALICE, OWN)
        form = console.csrf("/accounts/1001")
        before = queries.status_counts(engine)
        with engine.begin() as conn:  # the session has been idle longer than the limit: it speaks for nobody any more
            conn.execute(update(web_sessions).where(web_sessions.c.email_key == email_key(ALICE))
                         .values(last_seen_at=datetime.now(timezone.utc) - timedelta(minutes=31)))

        stale = browser.post("/accounts/1001/admins", data={"csrf_token": form, "email": BOB})

        assert stale.status_code == 403 and "Your session has expired" in stale.text
        assert "nothing was changed" in stale.text
        assert queries.status_counts(engine) == before
        assert browser.get("/accounts/1001", follow_redirects=False).status_code == 303  # sign in again
    engine.dispose()
