"""/ops over HTTP on a real store: never open (no password set: refused; a wrong one: 401), the panels and the JSON
from one snapshot, and Replay only as a form of this session (the browser sends Basic credentials by itself)."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from html import unescape

import pytest
from starlette.testclient import TestClient

from domain.said import said
from producers.http_app import create_http_app
from store.command_log import SqlCommandLog
from store.reads import queries

from ..support.builders import add_user
from .apply_here import applier

PASSWORD = "correct horse battery staple"
OPS = ("ops", PASSWORD)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_PANELS = re.compile(r'<section class="panel[^"]*" id="([^"]+)" data-panel>')


@pytest.fixture
def ops(database_url, tmp_path):
    """The web app with an ops password; one dead letter of a failed command, one of an unreadable message."""
    settings, engine, factory, _apply = applier(database_url, tmp_path, ops_password=PASSWORD)
    lost = add_user("dan@example.com")
    now = datetime.now(timezone.utc)
    with factory() as uow:
        uow.log.dead_letter(None, "unreadable message: <not JSON>", "garbage", now)
        uow.log.record_submitted([lost], now)
        uow.log.dead_letter(lost.id, "gave up after 5 attempts", lost.model_dump(mode="json"), now)
        uow.commit()
    with TestClient(create_http_app(settings, pages=True, token="")) as browser:
        browser.lost = lost
        browser.engine = engine
        yield browser
    engine.dispose()


def test_without_a_password_set_the_ops_pages_are_refused_to_everyone(database_url, tmp_path):
    settings, engine, _factory, _apply = applier(database_url, tmp_path)
    with TestClient(create_http_app(settings, pages=True, token="")) as browser:
        for path in ("/ops", "/ops/live", "/ops/figures.json"):
            for auth in (None, ("ops", ""), ("ops", "anything")):
                answer = browser.get(path, auth=auth)
                assert answer.status_code == 503, (path, auth)
                assert "set ENVADMIN_OPS_PASSWORD" in answer.text
        assert browser.post("/ops", data={"dead_letter": "1"}).status_code == 503
    engine.dispose()


@pytest.mark.parametrize("auth", [None, ("ops", "wrong"), ("admin", PASSWORD), ("ops", PASSWORD + " ")])
def test_a_missing_or_wrong_password_gets_401_and_a_basic_challenge(ops, auth):
    for path in ("/ops", "/ops/live", "/ops/figures.json"):
        answer = ops.get(path, auth=auth)
        assert answer.status_code == 401, path
        assert answer.headers["www-authenticate"].startswith('Basic realm="envadmin ops"')
        assert "Queue and workers" not in answer.text and "dan@example.com" not in answer.text


def test_the_page_the_live_panels_and_the_json_show_the_same_snapshot(ops):
    page = ops.get("/ops", auth=OPS)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    live = ops.get("/ops/live", auth=OPS)
    assert live.status_code == 200 and "<html" not in live.text
    panels = ["ops-commands", "ops-latency", "ops-grants", "ops-queues", "ops-mail", "ops-jobs", "ops-dead-letters"]
    assert _PANELS.findall(page.text) == _PANELS.findall(live.text) == panels
    assert '<script src="/static/ops.js"></script>' in page.text and 'data-source="/ops/live"' in page.text
    figures = ops.get("/ops/figures.json", auth=OPS).json()
    assert {"at", "commands", "applied_per_minute", "applied_per_second", "latency_seconds", "pending_grants",
            "invites", "outbox", "jobs", "dead_letters", "queues", "workers", "broker"} <= set(figures)
    assert figures["dead_letters"]["count"] == 2 and figures["commands"]["failed"] == 1
    assert figures["deliveries"] == {"waiting": 0, "sent": 0, "failing": 0, "given_up": 0}
    assert "Outcome callbacks" in page.text and 'id="ops-deliveries"' in page.text
    assert "not available on the embedded broker" in unescape(page.text)
    french = ops.get("/ops", auth=OPS, headers={"Accept-Language": "fr"}).text
    assert "indisponible sur le broker embarqué (il n’a pas de contrôle à distance)" in unescape(french)
    assert "<svg class=\"chart\"" in page.text and page.text.count('<rect class="bar"') == 15


def test_only_the_failed_commands_dead_letter_has_a_replay_button_carrying_the_sessions_token(ops):
    page = ops.get("/ops", auth=OPS).text
    rows = dict(re.findall(r'<tr data-letter="(\d+)">(.*?)</tr>', page, re.S))
    failed, unreadable = sorted(rows, key=int, reverse=True)
    assert 'value="' + failed + '">Replay</button>' in rows[failed] and ops.lost.id.hex[:8] in rows[failed]
    assert "Replay" not in rows[unreadable] and "nothing to replay" in rows[unreadable]
    assert "&lt;not JSON&gt;" in rows[unreadable]  # escaped, never markup
    assert _CSRF.search(rows[failed])


def test_a_replay_without_the_sessions_token_is_refused_and_changes_nothing(ops):
    failed = str(ops.get("/ops/figures.json", auth=OPS).json()["dead_letters"]["latest"][0]["id"])
    for token in (None, "forged"):
        data = {"dead_letter": failed, **({"csrf_token": token} if token else {})}
        answer = ops.post("/ops", data=data, auth=OPS, follow_redirects=False)
        assert answer.status_code == 403 and "This form has expired" in answer.text
    assert queries.command_status(ops.engine, ops.lost.id)["status"] == "failed"
    assert ops.post("/ops", data={"dead_letter": failed}, follow_redirects=False).status_code == 401


def replay(ops, letter: str, token: str):
    """The Replay button's post; the note the page then shows."""
    answer = ops.post("/ops", data={"csrf_token": token, "dead_letter": letter}, auth=OPS)
    assert answer.status_code == 200 and answer.url.path == "/ops"
    kind, text = re.search(r'<p class="(note|notice)" role="status">(.*?)</p>', answer.text, re.S).groups()
    refused = "was not replayed" in text or text.startswith("No dead letter")
    assert kind == ("notice" if refused else "note"), (kind, text)  # a refusal looks like one
    return unescape(text)


def test_replay_puts_the_failed_command_back_once_and_says_why_the_others_are_refused(ops):
    failed, unreadable = [str(x["id"]) for x in ops.get("/ops/figures.json", auth=OPS).json()["dead_letters"]["latest"]]
    token = _CSRF.search(ops.get("/ops", auth=OPS).text).group(1)  # the session's, in each Replay form

    assert replay(ops, failed, token) == (f"Dead letter #{failed} replayed: command {ops.lost.id} (add_user) is "
                                          "queued again.")
    assert queries.command_status(ops.engine, ops.lost.id)["status"] == "queued"
    [letter] = [x for x in ops.get("/ops/figures.json", auth=OPS).json()["dead_letters"]["latest"]
                if str(x["id"]) == failed]
    assert (letter["replayed_by"], letter["command_status"]) == ("ops", "queued")
    row = re.search(rf'<tr data-letter="{failed}">(.*?)</tr>', ops.get("/ops", auth=OPS).text, re.S).group(1)
    assert "Replay</button>" not in row and "replayed by ops" in row

    assert replay(ops, failed, token) == (f"Dead letter #{failed} was not replayed: command {ops.lost.id} is queued, "
                                   "not failed: nothing to replay.")
    assert replay(ops, unreadable, token).startswith(f"Dead letter #{unreadable} was not replayed: it holds no command")
    assert replay(ops, "999999", token) == "Dead letter #999999 was not replayed: no dead letter 999999."
    for bad in ("x1", "²", "1" * 12, ""):
        assert replay(ops, bad, token) == f"No dead letter to replay: {bad!r} is not a dead letter's number."


def test_a_french_reader_reads_the_dead_letters_their_dates_and_a_replay_in_french(ops):
    """A reason kept with its codes is French to a French reader; one kept before the codes, its English as stored;
    dates in French, in UTC labelled so, inside <time datetime>; the raw identifiers (command ids, the command's
    type) as they are."""
    with ops.engine.begin() as conn:
        uow_log = SqlCommandLog(conn)
        uow_log.dead_letter(None, said("dead.invalid_command", detail="id: Field required"), {"not": "a command"},
                            datetime(2026, 12, 7, 14, 3, 27, tzinfo=timezone.utc))
    french = {"Accept-Language": "fr"}
    page = unescape(ops.get("/ops", auth=OPS, headers=french).text)
    letters = re.search(r'<section class="panel span" id="ops-dead-letters".*?</section>', page, re.S).group(0)
    assert "commande invalide : id: Field required" in letters  # the frame French, pydantic's detail as it is
    assert "unreadable message: <not JSON>" in letters  # written without codes: shown as stored
    assert '<time datetime="2026-12-07T14:03:27Z">7 déc. 2026, 14:03 UTC</time>' in letters
    assert "<th>Quand</th>" in letters and re.search(r"Chiffres de <time datetime=\"[^\"]+Z\">\d\d:\d\d:\d\d UTC</time>",
                                                     page)
    english = unescape(ops.get("/ops", auth=OPS).text)
    assert "invalid command: id: Field required" in english
    assert '<time datetime="2026-12-07T14:03:27Z">Dec 7, 2026, 14:03 UTC</time>' in english

    failed = str(ops.get("/ops/figures.json", auth=OPS).json()["dead_letters"]["latest"][1]["id"])
    token = _CSRF.search(page).group(1)
    answer = ops.post("/ops", data={"csrf_token": token, "dead_letter": failed}, auth=OPS, headers=french)
    note = unescape(re.search(r'<p class="note" role="status">(.*?)</p>', answer.text, re.S).group(1))
    assert note == (f"Lettre morte n° {failed} rejouée : la commande {ops.lost.id} (add_user) est de nouveau en file "
                    "d’attente.")
    row = re.search(rf'<tr data-letter="{failed}">(.*?)</tr>', ops.get("/ops", auth=OPS, headers=french).text, re.S)
    assert "rejouée par ops le <time datetime=" in row.group(1)
