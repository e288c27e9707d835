"""What operators read of a dead letter holds no secret: a command's password hash, a token, in JSON or not."""
from __future__ import annotations

import json
import os

from domain.masking import MASK, masked_text, without_hashes
from domain.master_keys import MasterKey
from domain.passwords import hash_password, hash_temporary_password

ARGON2 = hash_password("chosen by a person")
TEMPORARY = hash_temporary_password("made by the system", MasterKey(os.urandom(32)))
COMMAND = {"v": 1, "type": "add_user", "id": "7f1c0c3e-8a7e-4a57-9d52-0a3f4b1d2c11", "account": "1001",
           "actor": "alice@example.com", "email": "bob@example.com", "first_name": "Bob", "last_name": "Builder",
           "password_hash": ARGON2, "password_expired": True}


def test_a_command_keeps_every_field_but_its_password_hash():
    shown = json.loads(masked_text(json.dumps(COMMAND)))

    assert shown == {**COMMAND, "password_hash": MASK}


def test_a_raw_celery_message_is_masked_in_every_command_it_carries():
    body = json.dumps([[{"v": 1, "commands": [COMMAND, {**COMMAND, "password_hash": TEMPORARY}]}], {},
                       {"callbacks": None}])

    shown = masked_text(body)

    assert ARGON2 not in shown and TEMPORARY not in shown
    assert shown.count(f'"password_hash": "{MASK}"') == 2 and "bob@example.com" in shown


def test_tokens_secrets_and_any_field_named_for_a_password_are_masked_whatever_they_hold():
    shown = json.loads(masked_text(json.dumps({"token": "abc", "token_hash": "f00d", "temporary_password": "x1",
                                               "api_key": 12, "secret": {"nested": "y"}, "password": None,
                                               "email_key": "bob@example.com"})))

    assert shown == {"token": MASK, "token_hash": MASK, "temporary_password": MASK, "api_key": MASK,
                     "secret": MASK, "password": None, "email_key": "bob@example.com"}


def test_a_hash_under_an_innocent_name_or_inside_a_string_is_masked_too():
    shown = json.loads(masked_text(json.dumps({"note": f"was {ARGON2} before", "inner": json.dumps(COMMAND)})))

    assert shown["note"] == f"was {MASK} before"
    assert json.loads(shown["inner"])["password_hash"] == MASK


def test_text_that_is_not_json_is_masked_by_pattern():
    truncated = json.dumps(COMMAND)[:-30]  # a message cut at the size dead letters keep
    assert ARGON2 not in masked_text(truncated) and "bob@example.com" in masked_text(truncated)
    assert masked_text("user=bob&password=hunter2&token='t0k' ok") == f"user=bob&password={MASK}&token='{MASK}' ok"
    assert masked_text(f"\\x00garbage {TEMPORARY}") == f"\\x00garbage {MASK}"


def test_text_with_no_secret_is_left_as_it_is():
    for text in ("\\x00garbage", '{"type": "grant_admin", "id": "not-a-uuid"}', "[]", "42", ""):
        assert json.loads(masked_text(text)) == json.loads(text) if text.startswith(("{", "[")) else \
            masked_text(text) == text


def test_a_reason_keeps_its_words_and_loses_only_its_hashes():
    reason = "password_hash: must be an argon2id hash; a clear password is never sent"
    assert without_hashes(reason) == reason
    assert without_hashes(f"got {ARGON2}") == f"got {MASK}"
