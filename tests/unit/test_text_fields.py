"""Text fields refuse what the store cannot keep or a reader cannot see, and fit their columns once normalized."""
from __future__ import annotations

from datetime import datetime, timezone
from uuid import uuid4

import pytest
from pydantic import ValidationError

from domain.commands import parse_command
from domain.model import group_key
from domain.passwords import hash_password
from domain.text import CORRELATION_ID_MAX, EMAIL_MAX, NAME_MAX, PASSWORD_HASH_MAX
from domain.validation import describe
from store import tables
from store.tables import accounts, groups, users

HASH = hash_password("Temp-Passw0rd!")
EMAIL = "carol@example.com"

# Every text field of every command, with a valid value and the label an error gives it.
FIELDS = [
    ("create_account", "name", "name"), ("create_account", "admin_email", "admin email"),
    ("create_account", "first_name", "first name"), ("create_account", "last_name", "last name"),
    ("add_user", "email", "email"), ("add_user", "first_name", "first name"), ("add_user", "last_name", "last name"),
    ("add_user", "password_hash", "password_hash"),
    ("grant_admin", "email", "email"), ("revoke_admin", "email", "email"),
    ("create_group", "group", "group"), ("rename_group", "group", "group"), ("rename_group", "new_name", "new name"),
    ("delete_group", "group", "group"), ("add_member", "group", "group"), ("add_member", "email", "email"),
    ("remove_member", "group", "group"), ("remove_member", "email", "email"),
    ("invite_user", "email", "email"), ("invite_user", "group", "group"),
    ("resend_invite", "email", "email"), ("cancel_invite", "email", "email"),
    ("grant_admin", "actor", "actor"), ("grant_admin", "correlation_id", "correlation_id"),
]
VALID = {"name": "Acme", "admin_email": EMAIL, "email": EMAIL, "first_name": "Carol", "last_name": "Petit",
         "password_hash": HASH, "group": "Sales", "new_name": "Marketing", "actor": "alice@example.com",
         "correlation_id": "corr-1"}
NEEDS = {
    "create_account": ["name", "admin_email", "first_name", "last_name", "password_hash"],
    "add_user": ["email", "first_name", "last_name", "password_hash"],
    "grant_admin": ["email"], "revoke_admin": ["email"], "create_group": ["group"],
    "rename_group": ["group", "new_name"], "delete_group": ["group"], "add_member": ["group", "email"],
    "remove_member": ["group", "email"], "invite_user": ["email", "group"], "resend_invite": ["email"],
    "cancel_invite": ["email"],
}
# C0 and C1 controls, DEL, zero-width and other invisible format characters, bidi controls, a Hangul filler.
HOSTILE = ["\x00", "\x1b", "\x07", "\x7f", "\x85", "\x9b", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f",
           "\u2060", "\ufeff", "\u202e", "\u2066", "\u00ad", "\u2028", "\u3164"]


def command_data(type_: str, **changes) -> dict:
    actor = "support" if type_ == "create_account" else "alice@example.com"
    data = {"type": type_, "id": str(uuid4()), "issued_at": datetime.now(timezone.utc).isoformat(), "actor": actor,
            "source": "api", "correlation_id": "corr-1", "account": "1001",
            **{name: VALID[name] for name in NEEDS[type_]}}
    data.update(changes)
    return data


def problem(data: dict) -> str:
    with pytest.raises(ValidationError) as raised:
        parse_command(data)
    return describe(raised.value)


@pytest.mark.parametrize("type_, field, label", FIELDS)
@pytest.mark.parametrize("character", HOSTILE, ids=lambda c: f"U+{ord(c):04X}")
def test_a_control_or_invisible_character_is_refused_in_every_text_field(type_, field, label, character):
    value = VALID[field]
    hostile = value[:len(value) // 2] + character + value[len(value) // 2:]

    message = problem(command_data(type_, **{field: hostile}))

    assert message.startswith(f"{label}: "), message
    assert f"U+{ord(character):04X}" in message, message
    assert character not in message  # named by its code point, never echoed raw


@pytest.mark.parametrize("type_, field, label", FIELDS)
def test_a_lone_surrogate_is_refused_in_every_text_field(type_, field, label):
    message = problem(command_data(type_, **{field: VALID[field] + "\ud800"}))

    assert message.startswith(f"{label}: "), message


@pytest.mark.parametrize("type_, field, label", FIELDS)
def test_every_text_field_takes_its_valid_value(type_, field, label):
    assert parse_command(command_data(type_, **{field: VALID[field]}))


@pytest.mark.parametrize("field", ["name", "first_name", "last_name"])
def test_tabs_and_line_breaks_in_a_name_are_collapsed_like_spaces(field):
    cmd = parse_command(command_data("create_account", **{field: " Jean\t\tPierre\r\n"}))

    assert getattr(cmd, field) == "Jean Pierre"


def test_a_name_is_kept_in_composed_form():
    cmd = parse_command(command_data("create_group", group="Cafe\u0301"))

    assert cmd.group == "Caf\u00e9"


@pytest.mark.parametrize("type_, field, label", [
    ("create_group", "group", "group"), ("rename_group", "new_name", "new name"),
    ("add_member", "group", "group"), ("invite_user", "group", "group")])
def test_a_group_name_whose_key_outgrows_its_column_is_refused(type_, field, label):
    name = "\u00df" * 200  # 200 characters; its case-folded key, ss * 200, has 400
    column = groups.c.name_key.type.length

    message = problem(command_data(type_, **{field: name}))

    assert message.startswith(f"{label}: "), message
    assert str(column) in message and str(len(group_key(name))) in message


def test_a_group_name_whose_key_fits_is_taken():
    name = "\u00df" * 100
    assert len(group_key(name)) == groups.c.name_key.type.length

    assert parse_command(command_data("create_group", group=name)).group == name


@pytest.mark.parametrize("field, column", [("name", accounts.c.name), ("first_name", users.c.first_name)])
def test_a_name_that_grows_when_composed_past_its_column_is_refused(field, column):
    # U+0958 DEVANAGARI LETTER QA is one character; its normal form is two (a composition exclusion).
    name = "\u0958" * column.type.length

    message = problem(command_data("create_account", **{field: name}))

    assert str(column.type.length) in message


def test_the_limits_the_domain_checks_are_the_sizes_of_the_store_columns():
    names = [accounts.c.name, users.c.first_name, users.c.last_name, groups.c.name, groups.c.name_key,
             tables.memberships.c.group_key, tables.membership_clocks.c.group_key, tables.pending_grants.c.group_key]
    emails = [users.c.email, users.c.email_key, tables.memberships.c.email_key, tables.membership_clocks.c.email_key,
              tables.invites.c.email, tables.invites.c.email_key, tables.invites.c.invited_by,
              tables.pending_grants.c.email_key, tables.pending_grants.c.actor, tables.envelopes.c.recipient_key,
              tables.mail_outbox.c.to_email, tables.login_failures.c.email_key, tables.commands.c.actor,
              tables.commands.c.subject, tables.audit_log.c.actor, tables.audit_log.c.target, tables.jobs.c.actor]
    assert {column.type.length for column in names} == {NAME_MAX}
    assert {column.type.length for column in emails} == {EMAIL_MAX}
    assert tables.commands.c.correlation_id.type.length == CORRELATION_ID_MAX
    assert users.c.password_hash.type.length == PASSWORD_HASH_MAX
