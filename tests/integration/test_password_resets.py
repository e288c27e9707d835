"""A forgotten password set again through the mailbox, on a real store: the same answer for every email, a link that
works once and briefly, limits per email and per client, and a reset that proves the mailbox."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from producers.http_app import create_http_app
from store import credentials
from store.mail_outbox import open_body
from store.password_resets import LINK_UNUSABLE, ResetMailer, ResetPolicy, TooManyResets, complete_reset, request_reset
from store.tables import audit_log, mail_outbox, users
from workers.runtime import Runtime

from ..support.builders import account_with_admin, add_user
from ..support.forms import csrf_of
from .apply_here import applier

ALICE = "alice@example.com"
CAROL = "carol@example.com"  # a user alice created, with a temporary password alice knows
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
NEW_PASSWORD = "carol-own-passw0rd"
HERE, ELSEWHERE = "192.0.2.1", "192.0.2.2"


@pytest.fixture
def store(database_url, tmp_path):
    settings, engine, _factory, apply = applier(database_url, tmp_path)
    assert apply(account_with_admin(), add_user(CAROL)) == ["applied", "applied"]
    yield settings, engine
    engine.dispose()


def mailer(settings) -> ResetMailer:
    return ResetMailer(Runtime(settings).master_keys().current, settings.public_url)


def mailed_token(settings, engine, email: str) -> str:
    with engine.connect() as conn:
        row = conn.execute(select(mail_outbox).where(mail_outbox.c.to_email == email)
                           .order_by(mail_outbox.c.created_at.desc())).first()
    return re.search(r"/password/reset/([\w-]+)", open_body(row, Runtime(settings).master_keys()).decode()).group(1)


def outbox(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(mail_outbox.c.to_email)).scalars())


def test_only_an_email_with_a_user_is_mailed_a_link(store):
    settings, engine = store
    assert request_reset(engine, "nobody@example.com", HERE, NOW, mailer(settings)) is None
    assert request_reset(engine, CAROL, HERE, NOW, mailer(settings)) is not None
    assert outbox(engine) == [CAROL]


def test_the_link_sets_a_new_password_once_proves_the_mailbox_and_tells_the_creating_account(store):
    settings, engine = store
    request_reset(engine, CAROL, HERE, NOW, mailer(settings))
    token = mailed_token(settings, engine, CAROL)

    assert complete_reset(engine, token, NEW_PASSWORD, NOW + timedelta(minutes=5)) == CAROL

    later = NOW + timedelta(minutes=6)
    assert credentials.login(engine, CAROL, NEW_PASSWORD, later, client=HERE).ok
    assert credentials.login(engine, CAROL, "temporary-pass", later, client=HERE).reason == "wrong email or password"
    with engine.connect() as conn:
        assert conn.execute(select(users.c.verified).where(users.c.email_key == CAROL)).scalar() is True
        trail = conn.execute(select(audit_log.c.action, audit_log.c.account).where(audit_log.c.target == CAROL,
                             audit_log.c.actor == CAROL)).all()
    assert sorted(trail, key=str) == sorted([("user.claimed", "1001"), ("password.reset", None)], key=str)
    with pytest.raises(ValueError, match=LINK_UNUSABLE):
        complete_reset(engine, token, "another-passw0rd", later)


def test_an_expired_link_and_a_replaced_link_do_not_work(store):
    settings, engine = store
    request_reset(engine, CAROL, HERE, NOW, mailer(settings))
    first = mailed_token(settings, engine, CAROL)
    with pytest.raises(ValueError, match=LINK_UNUSABLE):
        complete_reset(engine, first, NEW_PASSWORD, NOW + timedelta(minutes=31))
    request_reset(engine, CAROL, HERE, NOW + timedelta(minutes=1), mailer(settings))
    second = mailed_token(settings, engine, CAROL)
    assert second != first
    with pytest.raises(ValueError, match=LINK_UNUSABLE):
        complete_reset(engine, first, NEW_PASSWORD, NOW + timedelta(minutes=2))
    assert complete_reset(engine, second, NEW_PASSWORD, NOW + timedelta(minutes=2)) == CAROL


def test_requests_are_limited_per_email_whether_it_has_a_user_or_not(store):
    settings, engine = store
    policy = ResetPolicy(per_email_per_hour=3, per_client_per_hour=100)
    for email in (CAROL, "nobody@example.com"):
        for minute in range(3):
            request_reset(engine, email, f"10.0.0.{minute}", NOW + timedelta(minutes=minute), mailer(settings), policy)
        with pytest.raises(TooManyResets, match="try again after 2026-12-06 13:00 UTC"):
            request_reset(engine, email, ELSEWHERE, NOW + timedelta(minutes=10), mailer(settings), policy)
    assert request_reset(engine, CAROL, ELSEWHERE, NOW + timedelta(minutes=61), mailer(settings), policy)
    assert outbox(engine) == [CAROL] * 4


def test_requests_are_limited_per_client(store):
    settings, engine = store
    policy = ResetPolicy(per_email_per_hour=100, per_client_per_hour=2)
    for n in range(2):
        request_reset(engine, f"someone{n}@example.com", HERE, NOW, mailer(settings), policy)
    with pytest.raises(TooManyResets):
        request_reset(engine, CAROL, HERE, NOW, mailer(settings), policy)
    assert request_reset(engine, CAROL, ELSEWHERE, NOW, mailer(settings), policy) is not None


def test_the_pages_mail_a_link_and_set_the_password_with_it(store):
    settings, engine = store
    with TestClient(create_http_app(settings, pages=True), base_url="http://testserver") as browser:
        holder = TestClient(browser.app, base_url="http://testserver")  # alice, signed in with the password she set
        held = holder.post("/login", data={"csrf_token": csrf_of(holder.get("/login").text), "email": CAROL,
                                           "password": "temporary-pass"})
        assert held.url.path == "/password"
        login = browser.get("/login")
        assert 'href="/password/forgot"' in login.text
        form = browser.get("/password/forgot").text
        csrf = csrf_of(form)
        answers = [browser.post("/password/forgot", data={"csrf_token": csrf, "email": email})
                   for email in (CAROL, "nobody@example.com")]
        assert [a.status_code for a in answers] == [200, 200]
        assert answers[0].text.replace(CAROL, "X") == answers[1].text.replace("nobody@example.com", "X")
        assert "Check your mail" in answers[0].text
        bad = browser.post("/password/forgot", data={"csrf_token": csrf, "email": "not an email"})
        assert bad.status_code == 422 and "email" in bad.text.lower()

        link = f"/password/reset/{mailed_token(settings, engine, CAROL)}"
        page = browser.get(link)
        assert page.status_code == 200 and CAROL in page.text
        csrf = csrf_of(page.text)
        differ = browser.post(link, data={"csrf_token": csrf, "new_password": NEW_PASSWORD,
                                          "new_password_again": "something-else"})
        assert differ.status_code == 422 and "differ" in differ.text
        done = browser.post(link, data={"csrf_token": csrf, "new_password": NEW_PASSWORD,
                                        "new_password_again": NEW_PASSWORD})
        assert done.status_code == 200 and done.url.path == "/login" and "new password is set" in done.text
        assert browser.get(link).status_code == 410
        assert holder.get("/password", follow_redirects=False).headers["location"].startswith("/login")
    assert credentials.login(engine, CAROL, NEW_PASSWORD, datetime.now(timezone.utc), client=HERE).ok
