"""An invite letter is stored as its facts and written into its parts when read back: the same mail as the letter
written at once, in its language and time zone, whatever its role; bodies of the other forms read as before."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from domain.invite_roles import ACTIVATION_ROLE, mail_role, roles_named
from domain.model import Group
from mail.content import MailContent
from mail.invite_letter import LETTER_MARKER, InviteLetter, SealedForm
from mail.stored_body import mail_content

SENT = datetime(2026, 3, 1, 14, 30, tzinfo=timezone.utc)


def letter(**changes) -> InviteLetter:
    facts = dict(service="envadmin", public_url="https://envadmin.example", recipient="bob@example.com",
                 inviter_email="alice@example.com", inviter_name='"Alice Martin"', account_number="1001",
                 account_name='"Acme"', role=mail_role(Group("1001", "Account Administrators")),
                 link="https://envadmin.example/register/t0ken", expires_at=datetime(2026, 3, 8, 14, 30, 5,
                                                                                     tzinfo=timezone.utc),
                 envelope=SealedForm("e" * 32, "bm9uY2U=", "Y2lwaGVy", SENT))
    return InviteLetter(**{**facts, **changes})


@pytest.mark.parametrize("changes", [
    {},
    {"language": "fr", "time_zone": "Europe/Paris"},
    {"role": roles_named([mail_role(Group("1001", "Account Administrators")), mail_role(Group("1001", "Sales"))])},
    {"role": ACTIVATION_ROLE, "inviter_name": None, "account_name": None},
    {"role": "a plain role", "replaces_sent_at": SENT},
])
def test_a_stored_letter_reads_back_as_the_mail_the_letter_writes(changes):
    written = letter(**changes)
    stored = written.stored()
    assert stored.startswith(LETTER_MARKER)
    assert InviteLetter.from_stored(stored) == written
    assert mail_content(stored) == written.content()


def test_a_stored_letter_is_its_facts_not_its_words():
    written = letter()
    assert len(written.stored()) < len(written.content().stored()) / 4
    assert b"Account Administrator" not in written.stored()  # the role is kept as its codes


def test_bodies_of_the_other_forms_read_as_before():
    parts = MailContent("text", "<p>html</p>")
    assert mail_content(parts.stored()) == parts
    assert mail_content(b"plain") == MailContent("plain")
