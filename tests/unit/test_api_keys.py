"""The rules of API keys: their form, their keyed hash, their scope, their expiry and rotation."""
from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone

import pytest

from domain.api_keys import (
    LAST_USED_STEP,
    KeyRefused,
    KeyScope,
    KeyState,
    check_name,
    due_last_used,
    hash_key,
    key_id_of,
    key_matches,
    new_key,
    new_key_id,
    new_webhook_secret,
    parse_duration,
    uses_previous,
)
from domain.master_keys import MasterKey, MasterKeys

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)
MASTER, OTHER = MasterKey(os.urandom(32)), MasterKey(os.urandom(32))


def test_a_key_has_the_scannable_prefix_its_id_and_a_long_secret():
    key_id = new_key_id()
    key = new_key(key_id)
    assert re.fullmatch(r"ea_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}", key)
    assert key_id_of(key) == key_id
    assert new_key(key_id) != key  # a fresh secret each time


@pytest.mark.parametrize("presented", ["", "ea_", "ea_short_secret", "Bearer ea_x", "xa_" + "A" * 12 + "_" + "B" * 43,
                                       "ea_" + "A" * 12 + "_" + "B" * 42, "ea_" + "A" * 12 + "_" + "B" * 44])
def test_anything_else_has_no_id(presented):
    assert key_id_of(presented) is None


def test_the_hash_verifies_the_key_alone_and_only_under_its_master_key():
    key = new_key(new_key_id())
    stored = hash_key(key, MASTER)
    assert key not in stored and stored.startswith(f"v1${MASTER.key_id}$")
    assert key_matches(stored, key, MasterKeys(MASTER))
    assert key_matches(stored, key, MasterKeys(OTHER, [MASTER]))  # after a master key rotation, with the old one
    assert not key_matches(stored, key[:-1] + ("A" if key[-1] != "A" else "B"), MasterKeys(MASTER))
    assert not key_matches(stored, key, MasterKeys(OTHER))
    assert not key_matches(None, key, MasterKeys(MASTER))
    assert not key_matches("garbage", key, MasterKeys(MASTER))


def test_the_webhook_secret_is_a_standard_webhooks_secret():
    secret = new_webhook_secret()
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{43}=", secret)


def test_an_account_key_acts_as_its_person_on_its_accounts_only():
    scope = KeyScope("hr", "alice@example.com", ("1001", "1002"))
    assert scope.actor_for("1001", None) == "alice@example.com"
    assert scope.actor_for("1002", "Alice@Example.COM") == "Alice@Example.COM"
    with pytest.raises(KeyRefused, match="may not act on account 1003; it covers 1001, 1002"):
        scope.actor_for("1003", None)
    with pytest.raises(KeyRefused, match="acts as alice@example.com only, not as bob@example.com"):
        scope.actor_for("1001", "bob@example.com")
    with pytest.raises(KeyRefused, match="not as support"):
        scope.actor_for("1001", "support")
    assert not scope.covers("1003") and not scope.is_support


def test_a_support_key_covers_every_account_acting_as_support_only():
    scope = KeyScope.support("ops")
    assert scope.covers("99") and scope.is_support
    assert scope.actor_for("99", None) == "support" == scope.actor_for("99", "support")
    with pytest.raises(KeyRefused, match="acts as support only"):
        scope.actor_for("99", "alice@example.com")


def test_the_shared_token_names_any_actor_as_it_always_could():
    scope = KeyScope.shared_token("ENVADMIN_API_TOKEN")
    assert scope.actor_for("1", "alice@example.com") == "alice@example.com"
    assert scope.actor_for("1", None) == "support"


def test_a_key_is_refused_once_revoked_or_expired():
    assert KeyState(None, None).refusal(NOW) is None
    assert KeyState(NOW + timedelta(seconds=1), None).refusal(NOW) is None
    assert KeyState(NOW, None).refusal(NOW) == "this API key has expired"
    assert KeyState(None, NOW).refusal(NOW) == "this API key was revoked"


def test_the_previous_secret_works_until_the_grace_ends():
    assert uses_previous(NOW + timedelta(seconds=1), NOW)
    assert not uses_previous(NOW, NOW)
    assert not uses_previous(None, NOW)


def test_last_used_is_written_at_most_once_a_step():
    assert due_last_used(None, NOW)
    assert not due_last_used(NOW - LAST_USED_STEP + timedelta(seconds=1), NOW)
    assert due_last_used(NOW - LAST_USED_STEP, NOW)


@pytest.mark.parametrize("text, expected", [("30m", timedelta(minutes=30)), ("24h", timedelta(hours=24)),
                                            (" 90d ", timedelta(days=90))])
def test_durations(text, expected):
    assert parse_duration(text, "--expires") == expected


@pytest.mark.parametrize("text", ["", "0d", "5y", "-1d", "1.5h", "d", "9999999d"])
def test_bad_durations_are_named(text):
    with pytest.raises(ValueError, match="--grace: expected a positive number"):
        parse_duration(text, "--grace")


@pytest.mark.parametrize("name", ["hr-sync", "idp.prod", "a", "x" * 64])
def test_good_names(name):
    assert check_name(name) == name


@pytest.mark.parametrize("name", ["", "-x", "a b", "x" * 65, "ключ"])
def test_bad_names(name):
    with pytest.raises(ValueError, match="a key's name"):
        check_name(name)
