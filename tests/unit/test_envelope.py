"""Envelopes are sealed with authenticated encryption; tokens are random and stored hashed."""
from __future__ import annotations

import dataclasses
import os

import pytest

from domain.envelope import TamperedEnvelope, open_sealed, seal
from domain.tokens import hash_token, new_token

MASTER = os.urandom(32)
MESSAGE = {"invited_by": "alice@example.com", "account": "1001", "role": "admin",
           "link": "http://localhost:8000/register/abc"}


def test_a_sealed_envelope_opens_to_its_message():
    assert open_sealed(seal("env-1", MESSAGE, MASTER), MASTER) == MESSAGE


def test_the_ciphertext_does_not_show_the_message():
    sealed = seal("env-1", MESSAGE, MASTER)
    assert b"alice@example.com" not in sealed.ciphertext
    assert b"register" not in sealed.ciphertext + sealed.wrapped_key


def test_each_envelope_has_its_own_key():
    first, second = seal("env-1", MESSAGE, MASTER), seal("env-2", MESSAGE, MASTER)
    assert first.wrapped_key != second.wrapped_key
    assert first.ciphertext != second.ciphertext


@pytest.mark.parametrize("field", ["ciphertext", "nonce", "wrapped_key", "key_nonce"])
def test_a_tampered_envelope_is_refused_whole(field):
    sealed = seal("env-1", MESSAGE, MASTER)
    value = bytearray(getattr(sealed, field))
    value[0] ^= 1
    with pytest.raises(TamperedEnvelope):
        open_sealed(dataclasses.replace(sealed, **{field: bytes(value)}), MASTER)


def test_an_envelope_moved_under_another_id_is_refused():
    sealed = seal("env-1", MESSAGE, MASTER)
    with pytest.raises(TamperedEnvelope):
        open_sealed(dataclasses.replace(sealed, envelope_id="env-2"), MASTER)


def test_another_master_key_cannot_open_it():
    with pytest.raises(TamperedEnvelope):
        open_sealed(seal("env-1", MESSAGE, MASTER), os.urandom(32))


def test_tokens_carry_at_least_128_random_bits_and_hash_stably():
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(t) >= 22 for t in tokens)  # 22 url-safe characters hold 128 bits
    token = next(iter(tokens))
    assert hash_token(token) == hash_token(token) != token
    assert token not in hash_token(token)
