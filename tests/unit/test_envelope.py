"""Envelopes are sealed with authenticated encryption; tokens are random and stored hashed."""
from __future__ import annotations

import dataclasses
import hashlib
import os

import pytest

from domain.envelope import TamperedEnvelope, open_sealed, rewrap, seal
from domain.master_keys import MasterKey, MasterKeys, WrongMasterKey
from domain.tokens import hash_token, new_token

KEY = MasterKey(os.urandom(32))
MASTER = MasterKeys(KEY)
MESSAGE = {"invited_by": "alice@example.com", "account": "1001", "role": "admin",
           "link": "http://localhost:8000/register/abc"}


def test_a_sealed_envelope_opens_to_its_message():
    assert open_sealed(seal("env-1", MESSAGE, KEY), MASTER) == MESSAGE


def test_the_ciphertext_does_not_show_the_message():
    sealed = seal("env-1", MESSAGE, KEY)
    assert b"alice@example.com" not in sealed.ciphertext
    assert b"register" not in sealed.ciphertext + sealed.wrapped_key


def test_each_envelope_has_its_own_key():
    first, second = seal("env-1", MESSAGE, KEY), seal("env-2", MESSAGE, KEY)
    assert first.wrapped_key != second.wrapped_key
    assert first.ciphertext != second.ciphertext


@pytest.mark.parametrize("field", ["ciphertext", "nonce", "wrapped_key", "key_nonce"])
def test_a_tampered_envelope_is_refused_whole(field):
    sealed = seal("env-1", MESSAGE, KEY)
    value = bytearray(getattr(sealed, field))
    value[0] ^= 1
    with pytest.raises(TamperedEnvelope):
        open_sealed(dataclasses.replace(sealed, **{field: bytes(value)}), MASTER)


def test_an_envelope_moved_under_another_id_is_refused():
    sealed = seal("env-1", MESSAGE, KEY)
    with pytest.raises(TamperedEnvelope):
        open_sealed(dataclasses.replace(sealed, envelope_id="env-2"), MASTER)


def test_an_envelope_names_the_master_key_that_wrapped_its_key():
    sealed = seal("env-1", MESSAGE, KEY)

    assert sealed.key_id == KEY.key_id == hashlib.sha256(KEY.secret.get_secret_value()).hexdigest()[:16]


def test_another_master_key_is_refused_by_name_instead_of_failing_to_decrypt():
    other = MasterKey(os.urandom(32))

    with pytest.raises(WrongMasterKey) as refused:
        open_sealed(seal("env-1", MESSAGE, KEY), MasterKeys(other))

    assert str(refused.value) == (f"envelope env-1 is wrapped by master key {KEY.key_id}, "
                                  f"not the configured key {other.key_id}")


def test_a_ring_with_the_old_key_opens_what_it_wrapped():
    new = MasterKey(os.urandom(32))

    assert open_sealed(seal("env-1", MESSAGE, KEY), MasterKeys(new, [KEY])) == MESSAGE


def test_rewrapped_under_a_new_key_it_opens_with_that_key_alone():
    new = MasterKey(os.urandom(32))
    sealed = seal("env-1", MESSAGE, KEY)

    moved = rewrap(sealed, MasterKeys(new, [KEY]), new)

    assert moved.key_id == new.key_id and moved.ciphertext == sealed.ciphertext
    assert open_sealed(moved, MasterKeys(new)) == MESSAGE
    with pytest.raises(WrongMasterKey):
        open_sealed(moved, MASTER)


def test_an_envelope_from_before_key_ids_opens_with_whichever_key_wrapped_it():
    legacy = dataclasses.replace(seal("env-1", MESSAGE, KEY), key_id=None)

    assert open_sealed(legacy, MasterKeys(MasterKey(os.urandom(32)), [KEY])) == MESSAGE
    with pytest.raises(TamperedEnvelope):
        open_sealed(legacy, MasterKeys(MasterKey(os.urandom(32))))


def test_a_master_key_never_shows_its_bytes():
    raw = os.urandom(32)
    key = MasterKey(raw)

    for text in (repr(key), str(key), repr(MasterKeys(key))):
        assert repr(raw) not in text and raw.hex() not in text and key.key_id in text


def test_tokens_carry_at_least_128_random_bits_and_hash_stably():
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(t) >= 22 for t in tokens)  # 22 url-safe characters hold 128 bits
    token = next(iter(tokens))
    assert hash_token(token) == hash_token(token) != token
    assert token not in hash_token(token)
