"""The invite mail as its recipient gets it over SMTP: what it says, how it is encoded, its envelope attachment."""
from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import event, select

from domain.clock import SYSTEM_CLOCK
from domain.errors import Refused
from mail.invite_letter import when
from producers.services.client import Client, new_command
from producers.services.invite_registration import register_with_token
from store.reads import queries
from store.tables import envelopes, invites, mail_outbox
from workers.celery_app import create_app

from ..support.builders import PASSWORD, PASSWORD_HASH, grant, mailbox_proven
from ..support.outcomes import submit_and_wait, wait_admin
from ..support.running_workers import thread_worker
from ..support.waiting import wait_until
from .apply_here import applier
from .mail_setup import mail_settings, smtp_server

ALICE, CAROL = "alice@example.com", "carol@example.com"
HOSTILE_ACCOUNT = 'Société <script>alert("x")</script> & Co'
SHOWN_ACCOUNT = "Société <script>alert('x')</script> & Co"  # its double quotes would end the mail's quotes
LINK = re.compile(r"^http://localhost:8000/register/([A-Za-z0-9_-]{20,})$", re.MULTILINE)


@pytest.fixture
def inbox():
    """A real SMTP server (aiosmtpd) keeping what it receives."""
    controller, collector = smtp_server()
    collector.url = f"smtp://127.0.0.1:{controller.port}"
    yield collector
    controller.stop()


def open_account(name: str, account: str = "1001"):
    return new_command("create_account", actor="support", source="cli", account=account, name=name,
                       admin_email=ALICE, first_name="Alice", last_name="Martin", password_hash=PASSWORD_HASH)


def resend(email: str):
    return new_command("resend_invite", actor=ALICE, source="cli", account="1001", email=email)


def invites_of(client) -> list:
    with client.engine.connect() as conn:
        return conn.execute(select(invites).order_by(invites.c.created_at)).all()


def body(message, kind: str) -> str:
    """A part's text with the line ends a reader sees (SMTP carries CRLF)."""
    return message.get_body((kind,)).get_content().replace("\r\n", "\n")


def flat(text: str) -> str:
    """The words as a reader reads them, whatever the line breaks."""
    return " ".join(text.split())


class Forms(HTMLParser):
    """The forms of a page, their inputs and buttons, and whether it holds any script."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" or any(name.startswith("on") for name in attrs):
            self.scripts += 1
        elif tag == "form":
            self.forms.append({"method": attrs.get("method"), "action": attrs.get("action"), "inputs": {},
                               "buttons": 0})
        elif tag == "input":
            assert attrs.get("type") == "hidden", attrs
            self.forms[-1]["inputs"][attrs["name"]] = attrs["value"]
        elif tag == "button":
            self.forms[-1]["buttons"] += 1


def test_the_invite_mail_names_who_where_and_what_reads_cleanly_and_carries_the_sealed_envelope(
        database_url, tmp_path, inbox):
    settings = mail_settings(tmp_path, database_url, inbox.url, service_name="Registered Post")
    client = Client(settings)
    with thread_worker(create_app(settings)):
        assert submit_and_wait(client, open_account(HOSTILE_ACCOUNT), grant(CAROL, by=ALICE)) == ["applied",
                                                                                                   "pending"]
        wait_until(lambda: inbox.received, "the invite mail to be received")
    [(raw, options)] = inbox.received
    [message] = inbox.messages
    [invite] = invites_of(client)

    assert message["Subject"] == "Registered Post: an invitation to account 1001"  # our words only
    plain = message.get_body(("plain",))
    text = body(message, "plain")
    first_paragraph = flat(text.split("\n\n")[0])
    assert first_paragraph == (f'"Alice Martin" <alice@example.com>, an administrator of "{SHOWN_ACCOUNT}" '
                               "(account 1001), invites you to that account on Registered Post, as Account "
                               "Administrator.")
    assert f"until {when(invite.expires_at)}" in flat(text)
    assert "choose your password" in text

    # As it travelled: 8bit (the account's name is not ASCII), announced to the server; no soft line break.
    assert plain["Content-Transfer-Encoding"] == "8bit" and "BODY=8BITMIME" in options
    travelled = raw.split(b"Content-Type: text/plain")[1].split(b"\r\n--")[0]  # the text part, as sent
    assert b"=\r\n" not in travelled and "=\n" not in plain.get_payload()
    token = LINK.search(text).group(1)
    assert re.search(rb"^http://localhost:8000/register/" + token.encode() + rb"\r$", travelled, re.MULTILINE)
    long_lines = [line for line in text.splitlines() if len(line) > 76]
    assert long_lines == [] or long_lines == [LINK.search(text).group(0)]

    html = body(message, "html")
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co" in html and "<script" not in html
    assert f'href="http://localhost:8000/register/{token}"' in html
    assert not re.search(r"\bsrc\s*=", html)  # no image fetched from anywhere
    assert "#1f5fbf" in html and "<style" not in html  # inline styles: mail clients drop <style>

    [attachment] = message.iter_attachments()
    assert (attachment.get_filename(), attachment.get_content_type()) == ("envelope.html", "text/html")
    assert attachment.get_content_disposition() == "attachment"
    page = attachment.get_content().replace("\r\n", "\n")
    parsed = Forms()
    parsed.feed(page)
    [form] = parsed.forms
    assert parsed.scripts == 0 and "&lt;script&gt;" in page and "Alice Martin" in page
    assert (form["method"], form["action"], form["buttons"]) == ("post", "http://localhost:8000/envelopes/open", 1)
    assert set(form["inputs"]) == {"envelope", "nonce", "ciphertext"}
    with client.engine.connect() as conn:
        stored = conn.execute(select(envelopes).where(envelopes.c.id == form["inputs"]["envelope"])).one()
    assert stored.invite_id == invite.id
    assert base64.b64decode(form["inputs"]["nonce"], validate=True) == stored.nonce
    assert base64.b64decode(form["inputs"]["ciphertext"], validate=True) == stored.ciphertext
    assert f"Envelope reference: {stored.id}" in text

    with thread_worker(create_app(settings)):
        register_with_token(client, token, "Carol", "Petit", PASSWORD)
        assert wait_admin(client, "1001", CAROL)
    client.close()


def test_a_resent_invite_says_it_replaces_the_first_whose_link_is_refused_as_replaced(
        database_url, tmp_path, inbox):
    settings = mail_settings(tmp_path, database_url, inbox.url)
    client = Client(settings)
    with thread_worker(create_app(settings)):
        submit_and_wait(client, open_account("Acme"), grant(CAROL, by=ALICE))
        wait_until(lambda: len(inbox.messages) == 1, "the first invite mail to be received")
        assert submit_and_wait(client, resend(CAROL)) == ["applied"]
        wait_until(lambda: len(inbox.messages) == 2, "the invite mail sent again to be received")
        first, second = sorted(inbox.messages, key=lambda m: "replaces" in body(m, "plain"))
        old, new = invites_of(client)
        replaced = (f"This invite replaces the one sent on {when(old.created_at)}; the earlier link no longer "
                    "works.")

        assert replaced in flat(body(second, "plain"))
        assert replaced in flat(body(second, "html"))
        assert "replaces" not in body(first, "plain")
        assert second.get_body(("plain",))["Content-Transfer-Encoding"] == "7bit"  # all ASCII this time
        assert (old.status, old.reason, new.status) == ("replaced", f"replaced by invite {new.id}", "pending")
        replaced = queries.list_invites(client.engine, "1001", "replaced", now=SYSTEM_CLOCK.now())
        assert [i["email"] for i in replaced] == [CAROL]

        old_token = LINK.search(body(first, "plain")).group(1)
        with pytest.raises(Refused) as refused:
            register_with_token(client, old_token, "Carol", "Petit", PASSWORD)
        assert refused.value.reason == ("this invite was replaced by a newer invite: use the link in the latest "
                                        "mail")
        new_token = LINK.search(body(second, "plain")).group(1)
        register_with_token(client, new_token, "Carol", "Petit", PASSWORD)
        assert wait_admin(client, "1001", CAROL)  # the pending grant moved to the new invite
    client.close()


def test_a_chunk_reads_the_names_its_mails_show_ahead_not_per_mail(database_url, tmp_path):
    _, engine, _, apply = applier(database_url, tmp_path)
    apply(open_account("Acme", "1001"))
    mailbox_proven(engine, ALICE)  # else the second account's grant to her would wait for her mailbox
    apply(open_account("Globex", "1002"))
    reads = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and re.search(r"\bFROM (accounts|users)\b", statement):
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    apply(*[grant(f"few{i}@example.com", "1001", ALICE) for i in range(2)])
    few, reads[:] = len(reads), []
    apply(*[grant(f"many{i}@example.com", "1002", ALICE) for i in range(12)])
    event.remove(engine, "before_cursor_execute", count)

    assert len(reads) == few
    with engine.connect() as conn:
        subjects = conn.execute(select(mail_outbox.c.to_email, mail_outbox.c.subject)).all()
    assert len(subjects) == 14
    for to, subject in subjects:
        assert subject == f"envadmin: an invitation to account {'1001' if to.startswith('few') else '1002'}"
    engine.dispose()
