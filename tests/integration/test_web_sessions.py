"""Web sessions kept in the store, over HTTP against `create_http_app` on a real store (SQLite and PostgreSQL): a copy
of a session cookie is worth nothing once its session ends (signing out, a password change elsewhere, the idle
limit, the absolute lifetime), and ended sessions are pruned. Time is moved with the app's clock, not waited for."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from domain.clock import FixedClock
from producers.http_app import SESSION_COOKIE, create_http_app
from store import credentials, session_rows
from store.session_rows import session_limits
from store.tables import web_sessions as web_sessions_table

from ..support.builders import account_with_admin, choose_password
from ..support.forms import csrf_of
from ..support.sql import count_rows
from ..support.stack_settings import make_settings
from .apply_here import applier

ALICE, TEMPORARY, OWN = "alice@example.com", "temporary-pass", "alice-own-password"


@dataclass
class Site:
    app: object
    engine: object
    clock: FixedClock
    database_url: str

    def browser(self, cookie: str | None = None) -> TestClient:
        browser = TestClient(self.app)
        if cookie is not None:
            browser.cookies.set(SESSION_COOKIE, cookie)
        return browser

    def sign_in(self, browser: TestClient, password: str = OWN) -> str:
        """Signs Alice in; her session's cookie."""
        token = csrf_of(browser.get("/login").text)
        done = browser.post("/login", data={"csrf_token": token, "email": ALICE, "password": password},
                            follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/", done.text
        return browser.cookies[SESSION_COOKIE]

    def sessions(self) -> int:
        return count_rows(self.database_url, "SELECT count(*) FROM web_sessions")

    def last_seen(self) -> list[datetime]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(web_sessions_table.c.last_seen_at)).scalars())


def signed_in(browser: TestClient) -> bool:
    home = browser.get("/", follow_redirects=False)
    assert home.status_code in (200, 303)
    return home.status_code == 200


@pytest.fixture
def site(database_url, tmp_path):
    """Account 1001 with Alice, its administrator (her own password); sessions of 30 minutes idle, 12 hours long."""
    settings, engine, _factory, apply = applier(database_url, tmp_path)
    assert apply(account_with_admin("1001", ALICE)) == ["applied"]
    assert choose_password(engine, ALICE, TEMPORARY, OWN, datetime.now(timezone.utc)).ok
    clock = FixedClock(datetime.now(timezone.utc))
    with TestClient(create_http_app(settings, pages=True, token="", clock=clock)) as lifespan:
        yield Site(lifespan.app, engine, clock, database_url)
    engine.dispose()


def test_a_copy_of_the_session_cookie_dies_when_its_owner_signs_out(site):
    browser = site.browser()
    stolen = site.sign_in(browser)
    thief = site.browser(stolen)
    assert signed_in(thief)

    token = csrf_of(browser.get("/").text)
    assert browser.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303

    assert not signed_in(thief)
    assert not signed_in(site.browser(stolen))
    assert not signed_in(browser)
    with site.engine.connect() as conn:  # its row is gone, not merely emptied: the copy shares nothing any more
        limits = session_limits(site.app.state.settings)
        assert session_rows.live_session(conn, stolen, site.clock.now(), limits) is None


def test_a_dead_cookie_is_cleared_and_no_session_is_made_for_a_visitor_who_keeps_nothing(site):
    browser = site.browser("made-up-session-id")
    answer = browser.get("/", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["set-cookie"].startswith(f'{SESSION_COOKIE}=""') and "Max-Age=0" in \
        answer.headers["set-cookie"]
    assert "set-cookie" not in site.browser().get("/", follow_redirects=False).headers
    assert site.sessions() == 0
    site.browser().get("/login")  # the form's CSRF token is kept: now there is a session
    assert site.sessions() == 1


def test_signing_in_gives_a_new_session_id_and_ends_the_one_before(site):
    browser = site.browser()
    browser.get("/login")
    before = browser.cookies[SESSION_COOKIE]
    after = site.sign_in(browser)
    assert after != before
    with site.engine.connect() as conn:
        limits = session_limits(site.app.state.settings)
        assert session_rows.live_session(conn, before, site.clock.now(), limits) is None
    assert not signed_in(site.browser(before))
    assert signed_in(site.browser(after))


def test_a_password_change_on_the_web_ends_every_other_session_of_that_person(site):
    here, elsewhere = site.browser(), site.browser()
    site.sign_in(here)
    site.sign_in(elsewhere)
    token = csrf_of(here.get("/password").text)
    changed = here.post("/password", follow_redirects=False, data={
        "csrf_token": token, "current_password": OWN, "new_password": "alice-newer-pass",
        "new_password_again": "alice-newer-pass"})
    assert changed.status_code == 303
    assert signed_in(here)
    assert not signed_in(elsewhere)


def test_a_password_change_from_the_command_line_ends_every_session_of_that_person(site):
    browser = site.browser()
    site.sign_in(browser)
    assert credentials.change_password(site.engine, ALICE, OWN, "alice-newer-pass", datetime.now(timezone.utc),
                                       client="local:alice").ok
    assert not signed_in(browser)


def test_a_wrong_current_password_ends_no_session(site):
    browser = site.browser()
    site.sign_in(browser)
    assert not credentials.change_password(site.engine, ALICE, "not-hers", "alice-newer-pass",
                                           datetime.now(timezone.utc), client="local:alice").ok
    assert signed_in(browser)


def test_a_session_idle_longer_than_the_limit_is_anonymous_and_its_form_is_refused_as_expired(site):
    browser = site.browser()
    site.sign_in(browser)
    token = csrf_of(browser.get("/accounts/1001").text)
    site.clock.advance(minutes=29)
    assert signed_in(browser)
    site.clock.advance(minutes=30, seconds=1)
    stale = browser.post("/accounts/1001/admins", data={"csrf_token": token, "email": "bob@example.com"})
    assert stale.status_code == 403 and "Your session has expired" in stale.text and "nothing was changed" in stale.text
    assert not signed_in(browser)


def test_activity_cannot_keep_a_session_past_its_lifetime(site):
    browser = site.browser()
    site.sign_in(browser)
    signed_in_at = site.clock.now()
    while site.clock.now() - signed_in_at < timedelta(hours=12) - timedelta(minutes=25):
        site.clock.advance(minutes=25)  # never idle as long as the limit
        assert signed_in(browser), site.clock.now() - signed_in_at
    token = csrf_of(browser.get("/accounts/1001").text)
    site.clock.advance(minutes=25)  # 12 hours 5 minutes after signing in
    stale = browser.post("/accounts/1001/admins", data={"csrf_token": token, "email": "bob@example.com"})
    assert stale.status_code == 403 and "Your session has expired" in stale.text and "12 hours" in stale.text
    assert not signed_in(browser)
    site.sign_in(browser)  # signing in again begins a new session
    assert signed_in(browser)


def test_requests_move_the_time_of_the_last_request_at_most_about_once_a_minute(site):
    browser = site.browser()
    site.sign_in(browser)
    assert signed_in(browser)  # the home page keeps its CSRF token in the session: a write
    [seen] = site.last_seen()
    site.clock.advance(seconds=30)
    assert signed_in(browser)
    assert site.last_seen() == [seen]  # no write for a request that changes nothing
    site.clock.advance(seconds=31)
    assert signed_in(browser)
    assert site.last_seen() == [seen + timedelta(seconds=61)]


def test_ended_sessions_are_pruned_and_live_ones_kept(site):
    now = site.clock.now()
    with site.engine.begin() as conn:
        session_rows.create_session(conn, "too-old", ALICE, {}, now - timedelta(hours=12, minutes=1))
        session_rows.see_session(conn, "too-old", now - timedelta(minutes=1))  # in use, but begun too long ago
        session_rows.create_session(conn, "idle", ALICE, {}, now - timedelta(hours=1))
        session_rows.see_session(conn, "idle", now - timedelta(minutes=30))
        session_rows.create_session(conn, "live", ALICE, {}, now - timedelta(hours=11, minutes=59))
        session_rows.see_session(conn, "live", now - timedelta(minutes=29))
    with site.engine.begin() as conn:
        assert session_rows.prune_sessions(conn, now, session_limits(site.app.state.settings)) == 2
    with site.engine.connect() as conn:
        assert conn.execute(select(web_sessions_table.c.id_hash)).scalars().all() == \
            [session_rows.stored_key("live")]


def test_the_prune_job_deletes_ended_sessions_periodically(database_url, tmp_path):
    from messaging.broker import PRUNE_WEB_SESSIONS
    from workers.celery_app import create_app

    app = create_app(make_settings(tmp_path / "var", database_url, None))
    assert any(entry["task"] == PRUNE_WEB_SESSIONS for entry in app.conf.beat_schedule.values())
    _settings, engine, _factory, _apply = applier(database_url, tmp_path)
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        session_rows.create_session(conn, "idle-one", ALICE, {"email": ALICE}, now - timedelta(minutes=31))
        session_rows.create_session(conn, "live-one", ALICE, {"email": ALICE}, now - timedelta(minutes=1))
    assert app.tasks[PRUNE_WEB_SESSIONS]() == 1
    with engine.connect() as conn:
        assert list(conn.execute(select(web_sessions_table.c.email_key)).scalars()) == [ALICE]
    engine.dispose()


def test_end_sessions_ends_a_persons_sessions_but_the_one_kept_and_nobody_elses(site):
    now = site.clock.now()
    with site.engine.begin() as conn:
        for session_id, owner in [("a1", ALICE), ("a2", ALICE), ("a3", ALICE), ("b1", "bob@example.com"),
                                  ("anonymous", None)]:
            session_rows.create_session(conn, session_id, owner, {}, now)
    with site.engine.begin() as conn:
        assert session_rows.end_sessions(conn, ALICE, keep="a2") == 2
    with site.engine.connect() as conn:
        left = {session_id for session_id in ("a1", "a2", "a3", "b1", "anonymous")
                if session_rows.live_session(conn, session_id, now, session_limits(site.app.state.settings))}
    assert left == {"a2", "b1", "anonymous"}
    with site.engine.begin() as conn:
        assert session_rows.end_sessions(conn, ALICE) == 1
