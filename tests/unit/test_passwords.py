"""Password hashes: argon2id for chosen passwords, a keyed HMAC for the temporary ones the system generates."""
from __future__ import annotations

import base64
import os
import re

import pytest

from domain import master_keys
from domain.master_keys import MasterKey, MasterKeys
from domain.passwords import (
    TEMPORARY_PASSWORD_BYTES,
    generate_temporary_password,
    hash_password,
    hash_temporary_password,
    is_temporary_hash,
    temporary_hash_key_id,
    verify_password,
)

OLD, CURRENT, OTHER = (MasterKey(os.urandom(32)) for _ in range(3))
RING = MasterKeys(CURRENT, [OLD])
PASSWORD = generate_temporary_password()


def test_a_temporary_hash_names_its_scheme_and_master_key_and_holds_no_password():
    stored = hash_temporary_password(PASSWORD, CURRENT)

    found = re.fullmatch(r"\$envadmin-temporary-hmac-sha256\$v=1\$key=([0-9a-f]{16})\$([A-Za-z0-9+/]{43})", stored)
    assert found and found[1] == CURRENT.key_id
    assert len(base64.b64decode(found[2] + "=")) == 32  # a whole SHA-256
    assert PASSWORD not in stored and CURRENT.secret.get_secret_value().hex() not in stored
    assert is_temporary_hash(stored) and temporary_hash_key_id(stored) == CURRENT.key_id
    assert not is_temporary_hash(hash_password(PASSWORD)) and temporary_hash_key_id(hash_password(PASSWORD)) is None


def test_the_same_password_under_two_keys_gives_two_unrelated_hashes():
    one, other = hash_temporary_password(PASSWORD, CURRENT), hash_temporary_password(PASSWORD, OTHER)

    assert one.rsplit("$", 1)[1] != other.rsplit("$", 1)[1]
    assert hash_temporary_password(PASSWORD, CURRENT) == one  # keyed, not salted: the same key gives the same hash


def test_a_temporary_hash_verifies_with_the_current_key_and_with_an_older_key_of_the_ring():
    assert verify_password(hash_temporary_password(PASSWORD, CURRENT), PASSWORD, RING)
    assert verify_password(hash_temporary_password(PASSWORD, OLD), PASSWORD, RING)
    assert verify_password(hash_temporary_password(PASSWORD, OLD), PASSWORD, MasterKeys(OTHER, [CURRENT, OLD]))


def test_a_wrong_password_does_not_verify():
    stored = hash_temporary_password(PASSWORD, CURRENT)

    assert not verify_password(stored, PASSWORD + "x", RING)
    assert not verify_password(stored, PASSWORD[:-1], RING)
    assert not verify_password(stored, generate_temporary_password(), RING)
    assert not verify_password(stored, "", RING)


def test_a_hash_under_a_key_the_ring_does_not_hold_or_with_no_ring_does_not_verify_and_raises_nothing():
    assert not verify_password(hash_temporary_password(PASSWORD, OTHER), PASSWORD, RING)
    assert not verify_password(hash_temporary_password(PASSWORD, OLD), PASSWORD, MasterKeys(CURRENT))
    assert not verify_password(hash_temporary_password(PASSWORD, CURRENT), PASSWORD)


def test_a_hash_naming_another_key_of_the_ring_than_its_own_does_not_verify():
    stored = hash_temporary_password(PASSWORD, OLD).replace(OLD.key_id, CURRENT.key_id)

    assert not verify_password(stored, PASSWORD, RING)


@pytest.mark.parametrize("tamper", [
    lambda h: h[:-1] + ("A" if h[-1] != "A" else "B"),  # one character of the digest
    lambda h: h[:-2],  # a digest cut short
    lambda h: h + "AA",
    lambda h: h.replace("v=1", "v=2"),
    lambda h: h.replace("hmac-sha256", "hmac-sha512"),
    lambda h: h.replace("$key=", "$key=0"),
    lambda h: h.rsplit("$", 1)[0] + "$",
])
def test_a_tampered_or_malformed_temporary_hash_does_not_verify(tamper):
    assert not verify_password(tamper(hash_temporary_password(PASSWORD, CURRENT)), PASSWORD, RING)


def test_an_argon2id_hash_still_verifies_with_or_without_the_ring():
    stored = hash_password("an old temporary password")

    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "an old temporary password", RING)
    assert verify_password(stored, "an old temporary password")
    assert not verify_password(stored, "another password", RING)
    assert not verify_password("not a hash at all", "another password", RING)


def test_a_generated_password_carries_96_random_bits():
    passwords = {generate_temporary_password() for _ in range(1000)}

    assert TEMPORARY_PASSWORD_BYTES * 8 >= 96
    assert len(passwords) == 1000
    for password in passwords:
        assert re.fullmatch(r"[A-Za-z0-9_-]{16}", password)  # 16 base64url characters: 16 * 6 = 96 bits
        assert len(base64.urlsafe_b64decode(password)) == 12



def test_the_hmac_key_is_derived_once_per_master_key_not_once_per_password():
    key = MasterKey(os.urandom(32))
    before = master_keys._derived_key.cache_info().misses

    hashes = [hash_temporary_password(generate_temporary_password(), key) for _ in range(1000)]

    assert master_keys._derived_key.cache_info().misses == before + 1
    assert len(set(hashes)) == 1000
