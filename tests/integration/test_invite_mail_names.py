"""Names people chose, in the invite, activation and resent-invite mails as the outbox holds them: never in a
Subject; elsewhere quoted, with nothing a reader could follow, and attributed to whoever wrote them."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from domain.envelope import open_sealed
from mail.content import MailContent
from mail.stored_body import mail_content
from producers.services.client import new_command
from store.mail_outbox import open_body
from store.reads.envelopes import stored_envelope
from store.tables import envelopes, mail_outbox
from workers.runtime import Runtime

from ..support.builders import PASSWORD_HASH, add_user, grant
from .apply_here import applier

ALICE = "alice@example.com"
PHISHING_LAST_NAME = "URGENT: reset at https://evil.example/reset"
PHISHING_ACCOUNT = "Acme, see www.evil.example"
PHISHING_GROUP = "Sales evil.example/login"
SHOWN_INVITER = '"Alice URGENT: reset at …" <alice@example.com>, an administrator of "Acme, see …"'


@pytest.fixture
def mails(database_url, tmp_path):
    """Alice, whose last name is a phishing line, administers an account and a group named the same way; she
    invites one person, resends the invite, and adds another to activate by mail: each mail as the outbox holds
    it (subject, content, sealed message), in the order written."""
    settings, engine, _factory, apply = applier(database_url, tmp_path)
    opened = new_command("create_account", actor="support", source="cli", account="1001", name=PHISHING_ACCOUNT,
                         admin_email=ALICE, first_name="Alice", last_name=PHISHING_LAST_NAME,
                         password_hash=PASSWORD_HASH)
    sales = new_command("create_group", actor=ALICE, source="cli", account="1001", group=PHISHING_GROUP)
    member = new_command("add_member", actor=ALICE, source="cli", account="1001", group=PHISHING_GROUP,
                         email="nobody@example.com")
    resend = new_command("resend_invite", actor=ALICE, source="cli", account="1001", email="nobody@example.com")
    assert apply(opened, sales) == ["applied", "applied"]
    assert apply(grant("nobody@example.com"), member) == ["pending", "pending"]
    assert apply(resend) == ["applied"]
    assert apply(add_user("nina@example.com", password_hash=None, activation="mail")) == ["applied"]
    keys = Runtime(settings).master_keys()
    with engine.connect() as conn:
        rows = conn.execute(select(mail_outbox, envelopes.c.id.label("envelope_id"))
                            .join(envelopes, envelopes.c.invite_id == mail_outbox.c.invite_id)
                            .order_by(mail_outbox.c.created_at)).all()
    written = [(row.subject, mail_content(open_body(row, keys)),
                open_sealed(stored_envelope(engine, row.envelope_id).sealed, keys)) for row in rows]
    engine.dispose()
    return written


def everything_in(content: MailContent, message: dict) -> str:
    return "\n".join([content.text, content.html or "", *(a.content for a in content.attachments),
                      json.dumps(message, ensure_ascii=False)])


def test_no_mail_carries_a_link_or_a_name_someone_chose_in_its_subject(mails):
    assert [subject for subject, _, _ in mails] == [
        "envadmin: an invitation to account 1001",
        "envadmin: an invitation to account 1001",
        "envadmin: you were added to account 1001: activate your account"]
    for _, content, message in mails:
        shown = everything_in(content, message)
        assert "evil" not in shown and "www." not in shown and "https://evil" not in shown, shown


def test_each_mail_says_who_wrote_the_names_it_quotes(mails):
    (_, invited, _), (_, resent, _), (_, activation, _) = mails
    for content, roles in ((invited, "Account Administrator"),  # the member grant waits on the same invite
                           (resent, 'Account Administrator and a member of group "Sales …"')):
        first = " ".join(content.text.split("\n\n")[0].split())
        assert first == f"{SHOWN_INVITER} (account 1001), invites you to that account on envadmin, as {roles}."
    assert "This invite replaces the one sent on" in resent.text
    first = " ".join(activation.text.split("\n\n")[0].split())
    assert first.startswith(f"{SHOWN_INVITER} (account 1001), added you to that account on envadmin, as a user")
    for _, content, _ in mails:
        assert ("Names in quotes were typed by people using envadmin; envadmin did not write them."
                in " ".join(content.text.split()))
        assert "&#34;Alice URGENT: reset at …&#34;, an administrator of &#34;Acme, see …&#34;," in content.html


def test_the_sealed_message_carries_the_names_as_the_mail_shows_them(mails):
    _, _, message = mails[0]
    assert (message["inviter_name"], message["account_name"]) == ('"Alice URGENT: reset at …"', '"Acme, see …"')
