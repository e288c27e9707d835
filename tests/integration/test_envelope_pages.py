"""The envelope pages over HTTP, on a real store: its signed-in recipient reads it, nobody else learns it exists,
an altered envelope is refused whole, and the mailed attachment's button checks the envelope before sending on."""
from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from domain.handlers import handle
from domain.invite_roles import mail_role
from domain.model import ADMIN_GROUP, ADMIN_GROUP_KEY, Group, Invite, PendingGrant
from domain.states import InviteStatus
from domain.tokens import hash_token
from producers.http_app import create_http_app
from producers.services.client import Client
from producers.services.invite_registration import open_envelope
from store.invite_mail import InviteMailWriter
from store.tables import envelopes
from store.unit_of_work import SqlUnitOfWork
from workers.runtime import Runtime

from ..support.builders import account_with_admin
from ..support.stack_settings import make_settings

CAROL, MALLORY = "Carol@Example.com", "mallory@example.com"
PASSWORD = "a-permanent-passw0rd"
ADMINISTRATOR = mail_role(Group("1001", ADMIN_GROUP))


def invite(client: Client, email: str, token: str, role: str = ADMINISTRATOR) -> tuple[str, dict]:
    """An invite of `email` to account 1001 with `token`, as a grant makes it; its envelope's id and stored row."""
    now = datetime.now(timezone.utc)
    writer = InviteMailWriter(Runtime(client.settings).master_keys().current, client.settings.public_url)
    with SqlUnitOfWork(client.engine, writer) as uow:
        new = Invite(uuid4(), "1001", email, "alice@example.com", InviteStatus.PENDING, hash_token(token), now,
                     now + timedelta(days=7))
        uow.repo.add_invite(new)
        uow.repo.add_pending_grant(PendingGrant(uuid4(), new.id, "1001", ADMIN_GROUP_KEY, email, uuid4(),
                                                "alice@example.com", now))
        uow.repo.send_invite_mail(new, token, role)
        row = uow.conn.execute(select(envelopes).where(envelopes.c.invite_id == new.id)).mappings().one()
        uow.commit()
    return row["id"], dict(row)


def register_in_browser(web: TestClient, token: str) -> None:
    """Registers through the mailed link's page, which signs the person in."""
    form = web.get(f"/register/{token}")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    done = web.post(f"/register/{token}", data={"csrf_token": csrf, "first_name": "Carol", "last_name": "Petit",
                                                "password": PASSWORD, "password_again": PASSWORD},
                    follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/welcome"), done.text


@pytest.fixture
def site(database_url, tmp_path):
    """The web app on a real store with account 1001; Carol invited (not yet registered), her envelope."""
    settings = make_settings(tmp_path / "var", database_url, None)
    client = Client(settings)
    with SqlUnitOfWork(client.engine) as uow:
        handle(account_with_admin(), uow.repo, datetime.now(timezone.utc))
        uow.commit()
    envelope_id, stored = invite(client, CAROL, "carol-token-" + "c" * 24)
    app = create_http_app(settings, pages=True, token="api-token-" + "x" * 16)
    with TestClient(app, follow_redirects=False) as web:
        yield web, client, envelope_id, stored
    client.close()


def anonymous(web: TestClient) -> TestClient:
    return TestClient(web.app, follow_redirects=False)


def posted(envelope_id: str, stored: dict, **changes) -> dict:
    fields = {"envelope": envelope_id, "nonce": base64.b64encode(stored["nonce"]).decode(),
              "ciphertext": base64.b64encode(stored["ciphertext"]).decode()}
    return {**fields, **changes}


def test_the_signed_in_recipient_reads_the_sealed_message(site):
    web, _client, envelope_id, _stored = site
    register_in_browser(web, "carol-token-" + "c" * 24)

    page = web.get(f"/envelopes/{envelope_id}")

    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    body = page.text
    assert "Your invitation from &#34;Alice Admin&#34;" in body  # sealed as the mail shows it: quoted
    for label, value in (("For", CAROL), ("Invited by", "&#34;Alice Admin&#34; &lt;alice@example.com&gt;"),
                         ("Account", "&#34;Acme&#34; (account 1001)"),
                         ("Role", "Account Administrator"), ("Envelope", envelope_id)):
        assert f"<dt>{label}</dt><dd>{value}</dd>" in body, label
    assert "/register/" not in body  # the invite was accepted by registering: its link is not offered again
    assert "You accepted this invitation." in body


def test_an_open_invites_link_is_offered_and_a_closed_ones_is_not(site):
    web, client, envelope_id, _stored = site
    register_in_browser(web, "carol-token-" + "c" * 24)
    with client.engine.begin() as conn:  # as if Carol had a user before this invite, and it is still open
        conn.execute(text("UPDATE invites SET status = :s"), {"s": InviteStatus.PENDING})

    assert 'href="http://localhost:8000/register/carol-token-' in web.get(f"/envelopes/{envelope_id}").text
    with client.engine.begin() as conn:
        conn.execute(text("UPDATE invites SET expires_at = :t"), {"t": datetime.now(timezone.utc) - timedelta(1)})
    closed = web.get(f"/envelopes/{envelope_id}").text
    assert "/register/" not in closed and "its registration link no longer works" in closed


def test_anyone_else_gets_the_same_404_as_an_unknown_or_malformed_id(site):
    web, client, envelope_id, _stored = site
    invite(client, MALLORY, "mallory-token-" + "m" * 24)
    register_in_browser(web, "mallory-token-" + "m" * 24)  # signed in as Mallory

    answers = [web.get(path) for path in (f"/envelopes/{envelope_id}", f"/envelopes/{uuid4().hex}",
                                          "/envelopes/not-an-id", f"/envelopes/{envelope_id.upper()}",
                                          "/envelopes/%00" + envelope_id[3:])]

    assert {a.status_code for a in answers} == {404}
    assert len({a.text for a in answers}) == 1, "a 404 that differs tells which envelopes exist"
    assert CAROL not in answers[0].text and "administrator of account" not in answers[0].text


def test_not_signed_in_is_sent_to_sign_in_and_back(site):
    web, _client, envelope_id, _stored = site

    answer = web.get(f"/envelopes/{envelope_id}")

    assert (answer.status_code, answer.headers["location"]) == (303, f"/login?next=/envelopes/{envelope_id}")


@pytest.mark.parametrize("column", ["ciphertext", "nonce", "wrapped_key", "key_nonce"])
def test_an_envelope_altered_in_the_store_is_refused_whole(site, column):
    web, client, envelope_id, stored = site
    register_in_browser(web, "carol-token-" + "c" * 24)
    altered = bytes([stored[column][0] ^ 1]) + stored[column][1:]
    with client.engine.begin() as conn:
        conn.execute(text(f"UPDATE envelopes SET {column} = :v WHERE id = :i"), {"v": altered, "i": envelope_id})

    page = web.get(f"/envelopes/{envelope_id}")

    assert page.status_code == 409
    assert "This envelope cannot be opened" in page.text and "altered after it was sealed" in page.text
    assert "alice@example.com" not in page.text and "administrator of account" not in page.text
    assert "<dl" not in page.text
    opened = web.post("/envelopes/open", data=posted(envelope_id, {**stored, column: altered}))
    assert opened.status_code == 400  # even posted as it is now stored: it no longer opens


def test_the_attachments_button_checks_the_envelope_then_sends_its_reader_on(site):
    web, client, envelope_id, stored = site
    stranger = anonymous(web)
    answer = stranger.post("/envelopes/open", data=posted(envelope_id, stored))  # no CSRF token: a mailed file
    assert (answer.status_code, answer.headers["location"]) == (303, f"/envelopes/{envelope_id}")
    assert stranger.get(answer.headers["location"]).headers["location"] == f"/login?next=/envelopes/{envelope_id}"

    register_in_browser(web, "carol-token-" + "c" * 24)
    answer = web.post("/envelopes/open", data=posted(envelope_id, stored))
    assert (answer.status_code, answer.headers["location"]) == (303, f"/envelopes/{envelope_id}")

    invite(client, MALLORY, "mallory-token-" + "m" * 24)
    register_in_browser(stranger, "mallory-token-" + "m" * 24)
    someone_else = stranger.post("/envelopes/open", data=posted(envelope_id, stored))
    assert someone_else.status_code == 404
    assert someone_else.text == stranger.get(f"/envelopes/{uuid4().hex}").text


def test_an_altered_forged_or_unknown_envelope_posted_is_refused_alike(site):
    web, _client, envelope_id, stored = site
    register_in_browser(web, "carol-token-" + "c" * 24)  # even its recipient
    flipped = bytes([stored["ciphertext"][0] ^ 1]) + stored["ciphertext"][1:]
    refused = [web.post("/envelopes/open", data=data) for data in (
        posted(envelope_id, stored, ciphertext=base64.b64encode(flipped).decode()),
        posted(envelope_id, stored, nonce=base64.b64encode(bytes(12)).decode()),
        posted(envelope_id, stored, ciphertext=base64.b64encode(stored["ciphertext"][:-1]).decode()),
        posted(envelope_id, stored, ciphertext="not base64!"),
        posted(envelope_id, stored, nonce=""),
        posted(uuid4().hex, stored),
        posted("../" + envelope_id, stored),
        {"envelope": envelope_id})]

    assert [r.status_code for r in refused] == [400] * len(refused)
    assert len({r.text for r in refused}) == 1, "an unknown envelope and an altered one must look the same"
    assert "This envelope was altered or is not one of ours; it cannot be opened." in refused[0].text


def test_every_other_form_still_needs_its_csrf_token(site):
    web, _client, _envelope_id, _stored = site
    web.get("/register/carol-token-" + "c" * 24)  # the session has a CSRF token; this post does not carry it

    refused = web.post("/register/carol-token-" + "c" * 24, data={
        "first_name": "Carol", "last_name": "Petit", "password": PASSWORD, "password_again": PASSWORD})

    assert refused.status_code == 403


def test_the_cli_still_opens_it_with_the_password(site):
    web, client, envelope_id, _stored = site
    register_in_browser(web, "carol-token-" + "c" * 24)

    assert open_envelope(client, envelope_id, CAROL, PASSWORD, client_address="203.0.113.7")["to"] == CAROL


def test_the_attachments_button_keeps_the_slow_down(database_url, tmp_path):
    settings = make_settings(tmp_path / "var", database_url, None, web_posts_per_minute=3)
    app = create_http_app(settings, pages=True, token="api-token-" + "x" * 16)
    with TestClient(app, follow_redirects=False) as web:
        answers = [web.post("/envelopes/open", data={"envelope": uuid4().hex}) for _ in range(4)]

    assert [a.status_code for a in answers] == [400, 400, 400, 429]
    assert int(answers[-1].headers["retry-after"]) > 0


def test_the_sealed_role_is_read_in_the_pages_language_and_an_uncoded_one_as_sealed(site):
    web, client, envelope_id, _stored = site
    register_in_browser(web, "carol-token-" + "c" * 24)
    older, _ = invite(client, CAROL, "carol-older-" + "c" * 24, role="administrator of account 1001")

    switched = web.get("/language", params={"to": "fr", "next": "/"}, headers={"Sec-Fetch-Site": "same-origin"})
    assert switched.status_code in (302, 303, 307), switched.text

    assert "<dt>Rôle</dt><dd>Administrateur du compte</dd>" in web.get(f"/envelopes/{envelope_id}").text
    assert "<dt>Rôle</dt><dd>administrator of account 1001</dd>" in web.get(f"/envelopes/{older}").text
