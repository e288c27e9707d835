"""A person's time zone (users.time_zone) over HTTP against `create_http_app` on a real store (SQLite and
PostgreSQL): prefilled once from the zone the browser reports at sign-in (kept only if known here), chosen on
/time-zone (a zone unknown here refused, naming it), and then the zone every time of their pages is written in,
labelled; UTC, labelled so, for a person without one. A mail to a person with a zone writes its times in it."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from html import unescape
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from domain.model import Invite
from domain.states import InviteStatus
from mail.stored_body import mail_content
from producers.http_app import create_http_app
from producers.services.client import new_command
from producers.web.zones import COOKIE
from store.chosen_time_zones import choose_time_zone, chosen_time_zone
from store.invite_mail import InviteMailWriter
from store.mail_outbox import open_body
from store.password_resets import ResetMailer, request_reset
from store.tables import mail_outbox
from workers.runtime import Runtime

from ..support.builders import PASSWORD_HASH, choose_password, mailbox_proven
from ..support.forms import csrf_of
from .apply_here import applier

ALICE, OWN = "alice@example.com", "alice-own-password"
_SIGN_IN_CELL = re.compile(r'<td class="nowrap">(<time datetime="[^"]+">[^<]+</time>)</td>')


@pytest.fixture
def site(database_url, tmp_path):
    """Account 1001, Alice its administrator (her own password), who never chose a time zone."""
    settings, engine, _factory, apply = applier(database_url, tmp_path)
    assert apply(new_command("create_account", actor="support", source="cli", account="1001", name="Acme",
                             admin_email=ALICE, first_name="Alice", last_name="Martin",
                             password_hash=PASSWORD_HASH)) == ["applied"]
    mailbox_proven(engine, ALICE)
    assert choose_password(engine, ALICE, "temporary-pass", OWN, datetime.now(timezone.utc)).ok
    app = create_http_app(settings, pages=True, token="")
    with TestClient(app):
        yield app, engine, settings
    engine.dispose()


def signed_in(app, browser_zone: str | None = None, **headers) -> TestClient:
    client = TestClient(app, base_url="http://testserver")
    form = {"csrf_token": csrf_of(client.get("/login").text), "email": ALICE, "password": OWN}
    if browser_zone is not None:
        form["browser_time_zone"] = browser_zone
    done = client.post("/login", data=form, headers=headers, follow_redirects=False)
    assert done.status_code == 303, done.text
    return client


def last_sign_in(client: TestClient, **headers) -> str:
    """The directory's cell of Alice's last sign-in, as its HTML holds it."""
    [cell] = _SIGN_IN_CELL.findall(client.get("/accounts/1001/users", headers=headers).text)
    return unescape(cell)


def test_the_zone_the_browser_reports_at_sign_in_is_saved_once_and_the_pages_write_times_in_it(site):
    app, engine, _settings = site
    client = signed_in(app, "Europe/Paris")
    assert chosen_time_zone(engine, ALICE) == "Europe/Paris"
    cell = last_sign_in(client)
    assert re.fullmatch(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ">[A-Z][a-z]{2} \d{1,2}, \d{4}, \d\d:\d\d '
                        r'\(Europe/Paris\)</time>', cell), cell
    instant = datetime.strptime(re.search(r'datetime="([^"]+)"', cell).group(1), "%Y-%m-%dT%H:%M:%SZ")
    in_paris = instant.replace(tzinfo=timezone.utc).astimezone(ZoneInfo("Europe/Paris")).strftime("%H:%M")
    assert f"{in_paris} (Europe/Paris)" in cell, cell
    assert ">Europe/Paris</a>" in client.get("/").text  # the header names the zone, a link to change it

    again = signed_in(app, "Asia/Tokyo")  # another browser, another zone: the saved choice stands
    assert chosen_time_zone(engine, ALICE) == "Europe/Paris" and "(Europe/Paris)" in last_sign_in(again)


@pytest.mark.parametrize("reported", [None, "", "Mars/Olympus", "UTC", "../../etc/passwd", "Europe/Paris" * 10])
def test_a_zone_the_browser_does_not_report_or_that_is_unknown_is_ignored_and_times_stay_in_utc(site, reported):
    app, engine, _settings = site
    client = signed_in(app, reported)
    assert chosen_time_zone(engine, ALICE) is None and COOKIE not in client.cookies
    assert last_sign_in(client).endswith(" UTC</time>")


def test_a_person_chooses_a_zone_on_the_time_zone_page_and_reads_french_dates_in_it(site):
    app, engine, _settings = site
    client = signed_in(app)
    page = client.get("/time-zone", headers={"Accept-Language": "fr"})
    assert page.status_code == 200 and "<h1>Votre fuseau horaire</h1>" in page.text
    assert '<optgroup label="Europe">' in page.text and '<optgroup label="Amérique">' in page.text
    assert '<option value="UTC" selected>' in page.text  # what she reads until she chooses
    saved = client.post("/time-zone", data={"csrf_token": csrf_of(page.text), "time_zone": "America/New_York"},
                        follow_redirects=False)
    assert saved.status_code == 303 and chosen_time_zone(engine, ALICE) == "America/New_York"
    shown = client.get("/time-zone", headers={"Accept-Language": "fr"}).text
    assert "Votre fuseau horaire est enregistré." in shown and '<option value="America/New_York" selected>' in shown
    cell = last_sign_in(client, **{"Accept-Language": "fr"})
    assert re.search(r"\d{1,2} (janv|févr|mars|avr|mai|juin|juil|août|sept|oct|nov|déc)\.? \d{4}, \d\d:\d\d "
                     r"\(America/New_York\)</time>$", cell), cell

    back = client.post("/time-zone", data={"csrf_token": csrf_of(shown), "time_zone": "UTC"}, follow_redirects=False)
    assert back.status_code == 303 and chosen_time_zone(engine, ALICE) is None
    assert last_sign_in(client).endswith(" UTC</time>")


@pytest.mark.parametrize(("posted", "said"), [
    ("Mars/Olympus", "“Mars/Olympus” is not a time zone known here: choose one from the list, such as Europe/Paris."),
    ("europe/paris", "“europe/paris” is not a time zone known here"),  # the IANA spelling, exactly
    ("", "Choose a time zone from the list."),
])
def test_a_zone_unknown_here_is_refused_naming_it_and_nothing_is_saved(site, posted, said):
    app, engine, _settings = site
    client = signed_in(app, "Europe/Paris")
    page = client.get("/time-zone")
    refused = client.post("/time-zone", data={"csrf_token": csrf_of(page.text), "time_zone": posted})
    assert refused.status_code == 422 and said in unescape(refused.text)
    assert 'aria-invalid="true"' in refused.text and chosen_time_zone(engine, ALICE) == "Europe/Paris"
    french = client.post("/time-zone", data={"csrf_token": csrf_of(page.text), "time_zone": "Mars/Olympus"},
                         headers={"Accept-Language": "fr"})
    assert "« Mars/Olympus » n’est pas un fuseau horaire connu ici" in unescape(french.text)


def test_the_time_zone_page_is_for_a_person_signed_in(site):
    app, _engine, _settings = site
    answer = TestClient(app).get("/time-zone", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=%2Ftime-zone"


def test_a_mail_to_a_person_with_a_zone_writes_its_times_in_it_labelled_and_in_utc_without(site):
    _app, engine, settings = site
    asked = datetime(2026, 12, 7, 13, 33, tzinfo=timezone.utc)  # the link works for half an hour
    assert "Monday, December 7, 2026, 14:03 UTC" in reset_mail(settings, engine, asked)
    choose_time_zone(engine, ALICE, "Europe/Paris")
    assert "Monday, December 7, 2026, 15:03 (Europe/Paris)" in reset_mail(settings, engine, asked)


def reset_mail(settings, engine, now: datetime) -> str:
    """The text of the password reset mail Alice is sent when she asks for one `now`."""
    keys = Runtime(settings).master_keys()
    mail_id = request_reset(engine, ALICE, "192.0.2.1", now, ResetMailer(keys.current, settings.public_url))
    with engine.connect() as conn:
        row = conn.execute(select(mail_outbox).where(mail_outbox.c.id == mail_id)).one()
    message = message_from_bytes(open_body(row, keys))
    return "".join(part.get_payload(decode=True).decode() for part in message.walk() if not part.is_multipart())


@pytest.mark.parametrize("zone", [None, "Europe/Paris"])
def test_an_invite_mail_to_a_person_with_a_zone_gives_its_expiry_in_it_and_in_utc_without(site, zone):
    """An invite to a person who has a user (another account invites them): their zone when they chose one."""
    _app, engine, settings = site
    choose_time_zone(engine, ALICE, zone)
    keys = Runtime(settings).master_keys()
    created = datetime(2026, 12, 7, 14, 3, tzinfo=timezone.utc)
    invite = Invite(uuid4(), "1001", ALICE, "support", InviteStatus.PENDING, "hash", created,
                    created + timedelta(days=7))
    writer = InviteMailWriter(keys.current, settings.public_url)
    with engine.connect() as conn:
        _envelope, mail = writer.rows(invite, "token", "Account Administrator", created, writer.names(conn, invite))
    text = mail_content(keys.open(mail["key_id"], mail["body_nonce"], mail["body_ciphertext"],
                                             mail["id"].bytes, f"mail {mail['id']}")).text
    expected = "Monday, December 14, 2026, 15:03 (Europe/Paris)" if zone else "Monday, December 14, 2026, 14:03 UTC"
    assert f"until {expected}" in " ".join(text.split()), text
