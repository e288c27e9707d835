"""What makes two requests the same one: their owner, their key as sent, and the fingerprint of their body."""
from __future__ import annotations

import pytest

from domain.api_keys import KeyScope
from producers.services.idempotent_submission import checked_key, fingerprint, owner_of


def test_a_body_has_one_fingerprint_whatever_its_key_order_and_another_body_another():
    body = {"commands": [{"type": "grant_admin", "account": "1001", "email": "bob@example.com"}]}
    reordered = {"commands": [{"email": "bob@example.com", "type": "grant_admin", "account": "1001"}]}
    assert fingerprint(body) == fingerprint(reordered)
    assert len(fingerprint(body)) == 64 and int(fingerprint(body), 16) >= 0
    assert fingerprint(body) != fingerprint(body["commands"][0])  # one command is not a batch of one
    assert fingerprint({"account": "1001"}) != fingerprint({"account": 1001})
    assert fingerprint({"name": "Zoë"}) != fingerprint({"name": "Zoe"})


def test_keys_are_an_api_keys_own_and_the_shared_tokens_are_apart_from_a_key_of_the_same_name():
    assert owner_of(KeyScope("hr-sync", "alice@example.com", ("1001",))) == "key:hr-sync"
    assert owner_of(KeyScope.support("ENVADMIN_API_TOKEN")) != owner_of(KeyScope.shared_token("ENVADMIN_API_TOKEN"))


@pytest.mark.parametrize("key", ["a", "6f1c2a9e-4b7d-4e0a-9c3b-8d2e1f0a7b65", "k" * 255, "with space ~!"])
def test_a_key_of_1_to_255_printable_ascii_characters_is_taken_as_sent(key):
    assert checked_key(key, "Idempotency-Key") == key


@pytest.mark.parametrize("key, problem", [
    ("", "is empty"),
    ("k" * 256, "is 256 characters long"),
    ("caf\u00e9", "holds U+00E9, which is not printable ASCII"),
    ("line\nbreak", "holds U+000A, which is not printable ASCII"),
    ("\x7f", "holds U+007F, which is not printable ASCII"),
])
def test_another_key_is_refused_naming_where_it_came_from_and_what_is_wrong(key, problem):
    with pytest.raises(ValueError) as refused:
        checked_key(key, "message_id")
    assert str(refused.value) == f"message_id: {problem}; expected 1 to 255 printable ASCII characters, a UUID " \
                                 "for instance"
