"""Mails in their reader's language, as workers write them into the outbox (SQLite and PostgreSQL): the invite, the
activation mail, the resent invite and the sealed envelope in the language the invitee chose, else in the inviting
account's; the password reset mail in the person's, else their account's."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from domain.model import email_key
from mail.content import MailContent
from mail.dates import when
from mail.stored_body import mail_content
from producers.services.client import new_command
from store.mail_outbox import open_body
from store.password_resets import ResetMailer, request_reset
from store.tables import invites, mail_outbox, users
from workers.runtime import Runtime

from ..support.builders import PASSWORD_HASH, add_user, grant, mailbox_proven
from .apply_here import applier

ALICE, CAROL, DAVE = "alice@example.com", "carol@example.com", "dave@example.com"


@pytest.fixture
def world(database_url, tmp_path):
    """Account 1001 in English and 2002 in French, Alice administering both."""
    settings, engine, _factory, apply = applier(database_url, tmp_path)
    assert apply(open_account("1001", "Acme")) == ["applied"]
    mailbox_proven(engine, ALICE)  # else 2002's grant to her would wait for her mailbox
    assert apply(open_account("2002", "Société", language="fr")) == ["applied"]
    yield settings, engine, apply
    engine.dispose()


def open_account(number: str, name: str, **language):
    return new_command("create_account", actor="support", source="cli", account=number, name=name,
                       admin_email=ALICE, first_name="Alice", last_name="Martin", password_hash=PASSWORD_HASH,
                       **language)


def mails_to(settings, engine, email: str) -> list[tuple[str, MailContent]]:
    """The subject and content of each mail to the email, oldest first, its body opened."""
    keys = Runtime(settings).master_keys()
    with engine.connect() as conn:
        rows = conn.execute(select(mail_outbox).where(mail_outbox.c.to_email == email)
                            .order_by(mail_outbox.c.created_at)).all()
    return [(row.subject, mail_content(open_body(row, keys))) for row in rows]


def flat(text: str) -> str:
    return " ".join(text.split())


def expiry_of(engine, email: str) -> datetime:
    with engine.connect() as conn:
        return conn.execute(select(invites.c.expires_at).where(invites.c.email_key == email_key(email))
                            .order_by(invites.c.created_at.desc())).scalars().first()


def test_a_french_accounts_invitee_gets_the_invite_and_its_envelope_in_french(world):
    settings, engine, apply = world
    assert apply(grant(CAROL, account="2002")) == ["pending"]

    [(subject, content)] = mails_to(settings, engine, CAROL)
    assert subject == "envadmin\u00a0: une invitation au compte 2002"
    text = flat(content.text)
    assert text.startswith('"Alice Martin" <alice@example.com>, qui administre "Société" (compte 2002), vous invite '
                           "à rejoindre ce compte sur envadmin, comme Administrateur du compte.")
    assert f"Le lien fonctionne une seule fois, jusqu’au {when(expiry_of(engine, CAROL), 'fr')}." in text
    assert "UTC" in when(expiry_of(engine, CAROL), "fr") and "Référence de l’enveloppe" in text
    assert '<html lang="fr">' in content.html
    assert "Accepter et choisir un mot de passe" in content.html and "De la part de" in content.html
    [envelope] = content.attachments
    assert '<html lang="fr">' in envelope.content
    assert "Une enveloppe chiffrée pour carol@example.com" in envelope.content
    assert "Ouvrir l’enveloppe</button>" in envelope.content


def test_an_english_accounts_invitee_gets_the_invite_in_english(world):
    settings, engine, apply = world
    assert apply(grant(CAROL, account="1001")) == ["pending"]

    [(subject, content)] = mails_to(settings, engine, CAROL)
    assert subject == "envadmin: an invitation to account 1001"
    assert f"The link works once, until {when(expiry_of(engine, CAROL))}." in flat(content.text)
    assert '<html lang="en">' in content.html and "Accept and choose a password" in content.html
    [envelope] = content.attachments
    assert '<html lang="en">' in envelope.content and "Open the envelope</button>" in envelope.content


def test_a_person_who_chose_french_gets_an_english_accounts_invite_in_french(world):
    settings, engine, apply = world
    assert apply(add_user(DAVE, account="2002")) == ["applied"]  # 2002's word only: 1001's grant asks his mailbox
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.email_key == DAVE).values(language="fr"))

    assert apply(grant(DAVE, account="1001")) == ["pending"]

    [(subject, content)] = mails_to(settings, engine, DAVE)
    assert subject == "envadmin\u00a0: une invitation au compte 1001"
    assert "vous invite à rejoindre ce compte" in flat(content.text) and '<html lang="fr">' in content.html
    # sent again one at a time (the row repository), not in a chunk: the same language
    assert apply(new_command("resend_invite", actor=ALICE, source="cli", account="1001", email=DAVE)) == ["applied"]
    assert mails_to(settings, engine, DAVE)[-1][0] == "envadmin\u00a0: une invitation au compte 1001"


def test_a_resent_invite_of_a_french_account_says_in_french_what_it_replaces(world):
    settings, engine, apply = world
    apply(grant(CAROL, account="2002"))
    with engine.connect() as conn:
        first_sent = conn.execute(select(invites.c.created_at)).scalar_one()

    assert apply(new_command("resend_invite", actor=ALICE, source="cli", account="2002", email=CAROL)) == ["applied"]

    _first, (subject, content) = mails_to(settings, engine, CAROL)
    replaced = (f"Cette invitation remplace celle envoyée le {when(first_sent, 'fr')}\u00a0; le lien précédent ne "
                "fonctionne plus.")
    assert subject == "envadmin\u00a0: une invitation au compte 2002"
    assert flat(replaced) in flat(content.text) and replaced in content.html


def test_the_activation_mail_of_a_french_account_and_of_an_account_set_to_french_later(world):
    settings, engine, apply = world
    assert apply(add_user(CAROL, account="2002", password_hash=None, activation="mail")) == ["applied"]
    [(subject, content)] = mails_to(settings, engine, CAROL)
    assert subject == "envadmin\u00a0: un accès au compte 2002 a été créé pour vous\u00a0: activez votre compte"
    assert "votre identifiant est carol@example.com" in flat(content.text)
    assert "Votre identifiant" in content.html and '<html lang="fr">' in content.attachments[0].content

    assert apply(new_command("set_account_language", actor=ALICE, source="cli", account="1001",
                             language="fr")) == ["applied"]
    assert apply(add_user(DAVE, account="1001", password_hash=None, activation="mail")) == ["applied"]
    [(subject, _content)] = mails_to(settings, engine, DAVE)
    assert subject.startswith("envadmin\u00a0: un accès au compte 1001")


def test_the_password_reset_mail_is_in_the_persons_language_else_their_accounts(world):
    settings, engine, apply = world
    apply(add_user(CAROL, account="2002"), add_user(DAVE, account="1001"))
    mailer = ResetMailer(Runtime(settings).master_keys().current, settings.public_url)
    now = datetime.now(timezone.utc)

    request_reset(engine, CAROL, "10.0.0.1", now, mailer)
    request_reset(engine, DAVE, "10.0.0.2", now, mailer)

    [(subject, content)] = mails_to(settings, engine, CAROL)
    assert subject == "Choisir un nouveau mot de passe envadmin"
    assert "Il fonctionne une seule fois, jusqu’au" in content.text
    [(subject, content)] = mails_to(settings, engine, DAVE)
    assert subject == "Set a new envadmin password" and "It works once, until" in content.text
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.email_key == DAVE).values(language="fr"))
    request_reset(engine, DAVE, "10.0.0.2", now + timedelta(seconds=1), mailer)  # later: the newest, in order
    assert mails_to(settings, engine, DAVE)[-1][0] == "Choisir un nouveau mot de passe envadmin"
