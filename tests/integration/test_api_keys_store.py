"""API keys in the store, on SQLite and PostgreSQL: made only for an administrator of each account, kept as a
keyed hash, resolved by id, rotated with a grace period, revoked, and never listed with their secret."""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, inspect, select

from domain.api_keys import KeyScope
from domain.master_keys import MasterKey, MasterKeys
from domain.model import ADMIN_GROUP_KEY
from store.api_keys import ApiKeyError, create_key, list_keys, resolve_key, revoke_key, rotate_key, webhook_secret
from store.key_rotation import api_key_hash_counts, rotate_master_key
from store.tables import api_keys, audit_log, memberships
from workers.runtime import Runtime

from ..support.builders import account_with_admin
from .apply_here import applier
from .migrations import migrate

ALICE = "alice@example.com"
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(database_url, tmp_path):
    settings, engine, _factory, apply = applier(database_url, tmp_path)
    assert apply(account_with_admin("1001", ALICE), account_with_admin("1002", "bob@example.com")) == \
        ["applied", "applied"]
    yield engine, Runtime(settings).master_keys()
    engine.dispose()


def rows(engine):
    with engine.connect() as conn:
        return conn.execute(select(api_keys)).all()


def test_an_account_key_acts_as_its_administrator_and_is_stored_as_a_hash(store):
    engine, keys = store
    issued = create_key(engine, keys, "hr-sync", NOW, accounts=["1001"], by="Alice@Example.com",
                        callback_url="https://hr.example/hooks", lifetime=timedelta(days=90))
    assert issued.expires_at == NOW + timedelta(days=90)
    assert issued.webhook_secret.startswith("whsec_")
    [row] = rows(engine)
    assert issued.key not in repr(tuple(row)) and issued.webhook_secret.encode() not in (row.webhook_sealed or b"")
    assert webhook_secret(engine, keys, "hr-sync") == issued.webhook_secret
    resolved = resolve_key(engine, keys, issued.key, NOW)
    assert resolved.right and resolved.refusal is None
    assert resolved.scope == KeyScope("hr-sync", ALICE, ("1001",), key_id=row.id)
    [listed] = list_keys(engine)
    assert (listed.name, listed.scope, listed.person, listed.last_used_at) == \
        ("hr-sync", "accounts 1001", ALICE, NOW)


@pytest.mark.parametrize("accounts, by, message", [
    (["1002"], ALICE, "alice@example.com is not an administrator of account 1002"),
    (["1001", "1002"], ALICE, "not an administrator of account 1002"),
    (["4040"], ALICE, "account 4040 does not exist"),
    (["1001"], None, "--by EMAIL"),
    (["1001"], "support", "--by EMAIL"),
])
def test_a_key_for_accounts_its_person_does_not_administer_is_not_made(store, accounts, by, message):
    engine, keys = store
    with pytest.raises(ApiKeyError, match=message):
        create_key(engine, keys, "k", NOW, accounts=accounts, by=by)
    assert rows(engine) == []


def test_names_are_unique_and_a_support_key_covers_every_account(store):
    engine, keys = store
    issued = create_key(engine, keys, "ops", NOW, support=True)
    with pytest.raises(ApiKeyError, match="a key named ops exists already"):
        create_key(engine, keys, "ops", NOW, support=True)
    assert issued.webhook_secret is None and issued.expires_at is None
    scope = resolve_key(engine, keys, issued.key, NOW).scope
    assert scope.is_support and scope.person == "support" and scope.covers("4040")


def test_a_wrong_secret_an_unknown_id_or_another_form_does_not_resolve(store):
    engine, keys = store
    issued = create_key(engine, keys, "ops", NOW, support=True)
    flipped = issued.key[:-1] + ("A" if issued.key[-1] != "A" else "B")
    unknown = "ea_" + "Z" * 12 + issued.key[15:]
    for presented in (flipped, unknown, "not-a-key", ""):
        assert not resolve_key(engine, keys, presented, NOW).right, presented


def test_last_used_is_written_at_most_once_a_minute(store):
    engine, keys = store
    issued = create_key(engine, keys, "ops", NOW, support=True)
    resolve_key(engine, keys, issued.key, NOW)
    resolve_key(engine, keys, issued.key, NOW + timedelta(seconds=30))
    assert rows(engine)[0].last_used_at == NOW
    resolve_key(engine, keys, issued.key, NOW + timedelta(minutes=1))
    assert rows(engine)[0].last_used_at == NOW + timedelta(minutes=1)


def test_an_expired_or_revoked_key_resolves_refused(store):
    engine, keys = store
    issued = create_key(engine, keys, "short", NOW, support=True, lifetime=timedelta(hours=1))
    later = resolve_key(engine, keys, issued.key, NOW + timedelta(hours=1))
    assert later.right and later.refusal == "this API key has expired"
    revoke_key(engine, "short", NOW)
    assert resolve_key(engine, keys, issued.key, NOW).refusal == "this API key was revoked"
    with pytest.raises(ApiKeyError, match="revoked already"):
        revoke_key(engine, "short", NOW)
    with pytest.raises(ApiKeyError, match="no key named nothing"):
        revoke_key(engine, "nothing", NOW)
    with pytest.raises(ApiKeyError, match="create a new one"):
        rotate_key(engine, keys, "short", NOW, timedelta(hours=1))


def test_a_rotated_key_keeps_its_old_secret_for_the_grace_period_only(store):
    engine, keys = store
    old = create_key(engine, keys, "hr", NOW, accounts=["1001"], by=ALICE)
    new = rotate_key(engine, keys, "hr", NOW, timedelta(hours=24))
    assert new.key != old.key and new.key[:15] == old.key[:15]  # same id: still one read
    for key in (old.key, new.key):
        assert resolve_key(engine, keys, key, NOW + timedelta(hours=23)).right
    assert not resolve_key(engine, keys, old.key, NOW + timedelta(hours=24)).right
    assert resolve_key(engine, keys, new.key, NOW + timedelta(hours=24)).right
    revoke_key(engine, "hr", NOW + timedelta(hours=1))
    assert not resolve_key(engine, keys, old.key, NOW + timedelta(hours=2)).right  # revoked: no grace left


def test_the_migration_adds_the_table_and_takes_it_away(fresh_engine):
    migrate(fresh_engine, "0018k")
    assert "api_keys" in inspect(fresh_engine).get_table_names()
    assert inspect(fresh_engine).get_pk_constraint("api_keys")["constrained_columns"] == ["id"]
    migrate(fresh_engine, "0017a", down=True)
    assert "api_keys" not in inspect(fresh_engine).get_table_names()


def test_making_rotating_and_revoking_a_key_is_in_the_audit_trail_of_each_account_it_covers(store):
    engine, keys = store
    with engine.begin() as conn:  # Alice administers 1002 too
        conn.execute(insert(memberships).values(account="1002", group_key=ADMIN_GROUP_KEY, email_key=ALICE))
    create_key(engine, keys, "hr", NOW, accounts=["1001", "1002"], by=ALICE)
    rotate_key(engine, keys, "hr", NOW, timedelta(hours=2))
    revoke_key(engine, "hr", NOW)
    create_key(engine, keys, "ops", NOW, support=True)
    with pytest.raises(ApiKeyError):
        revoke_key(engine, "hr", NOW)  # refused: nothing audited
    with engine.connect() as conn:
        entries = conn.execute(select(audit_log.c.account, audit_log.c.action, audit_log.c.actor,
                                      audit_log.c.target, audit_log.c.detail)
                               .where(audit_log.c.action.like("apikey.%")).order_by(audit_log.c.id)).all()
    assert [tuple(e) for e in entries] == [
        ("1001", "apikey.created", "support", "hr", "accounts 1001, 1002, acting as alice@example.com"),
        ("1002", "apikey.created", "support", "hr", "accounts 1001, 1002, acting as alice@example.com"),
        ("1001", "apikey.rotated", "support", "hr", "the old key works until 2026-12-07 14:00 UTC"),
        ("1002", "apikey.rotated", "support", "hr", "the old key works until 2026-12-07 14:00 UTC"),
        ("1001", "apikey.revoked", "support", "hr", ""),
        ("1002", "apikey.revoked", "support", "hr", ""),
        (None, "apikey.created", "support", "ops", "support (every account), acting as support"),
    ]


def test_a_new_master_key_reseals_webhook_secrets_and_a_key_in_use_moves_its_hash_to_it(store):
    engine, old_keys = store
    issued = create_key(engine, old_keys, "hr-sync", NOW, accounts=["1001"], by=ALICE,
                        callback_url="https://hr.example/hooks")
    idle = create_key(engine, old_keys, "idle", NOW, accounts=["1001"], by=ALICE)
    new = MasterKey(os.urandom(32))
    keys = MasterKeys(new, [old_keys.current])
    assert api_key_hash_counts(engine) == {old_keys.current.key_id: 2}

    report = rotate_master_key(engine, old_keys, new)

    assert report.rewrapped["api_keys"] == 1
    assert webhook_secret(engine, MasterKeys(new, []), "hr-sync") == issued.webhook_secret
    assert resolve_key(engine, keys, issued.key, NOW).right
    assert api_key_hash_counts(engine) == {new.key_id: 1, old_keys.current.key_id: 1}
    # Once the old master key is retired, the key used meanwhile still works and the idle one does not.
    assert resolve_key(engine, MasterKeys(new, []), issued.key, NOW).right
    assert not resolve_key(engine, MasterKeys(new, []), idle.key, NOW).right
