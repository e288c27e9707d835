"""The master key: required outside the embedded default, never shown, made once on the embedded default."""
from __future__ import annotations

import base64
import os

import pytest

from config.settings import MasterKeyError, Settings

SERVER_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


@pytest.mark.parametrize("servers", [{"database_url": SERVER_DATABASE},
                                     {"broker_url": "redis://127.0.0.1:6379/0"},
                                     {"database_url": SERVER_DATABASE, "broker_url": "redis://127.0.0.1:6379/0"}])
def test_a_server_store_without_the_key_is_refused_and_no_key_is_made(servers, tmp_path):
    settings = Settings(data_dir=tmp_path / "var", **servers)

    with pytest.raises(MasterKeyError) as refused:
        settings.master_key_secrets()

    assert "ENVADMIN_MASTER_KEY is not set" in str(refused.value)
    assert "head -c32 /dev/urandom | base64" in str(refused.value)
    assert not (tmp_path / "var" / "master.key").exists()


def test_the_embedded_default_makes_its_key_once_in_the_data_dir(tmp_path):
    settings = Settings(data_dir=tmp_path / "var")

    first, older = settings.master_key_secrets()
    again, _ = Settings(data_dir=tmp_path / "var").master_key_secrets()

    assert len(first.get_secret_value()) == 32 and older == []
    assert first.get_secret_value() == again.get_secret_value()
    assert base64.b64decode((tmp_path / "var" / "master.key").read_text()) == first.get_secret_value()
    assert (tmp_path / "var" / "master.key").stat().st_mode & 0o777 == 0o600


def test_the_key_and_old_keys_never_show_in_repr_str_or_a_dump(tmp_path):
    key, old = os.urandom(32), os.urandom(32)
    settings = Settings(data_dir=tmp_path, database_url=SERVER_DATABASE, master_key=b64(key),
                        old_master_keys=b64(old))
    current, older = settings.master_key_secrets()

    assert (current.get_secret_value(), [k.get_secret_value() for k in older]) == (key, [old])
    shown = [repr(settings), str(settings), settings.model_dump_json(), repr(current), repr(older)]
    for text in shown:
        assert b64(key) not in text and b64(old) not in text and repr(key) not in text


def test_the_environment_sets_the_key_and_several_old_keys(tmp_path, monkeypatch):
    key, old1, old2 = os.urandom(32), os.urandom(32), os.urandom(32)
    monkeypatch.setenv("ENVADMIN_MASTER_KEY", b64(key))
    monkeypatch.setenv("ENVADMIN_OLD_MASTER_KEYS", f"{b64(old1)}, {b64(old2)}")

    current, older = Settings(data_dir=tmp_path, database_url=SERVER_DATABASE).master_key_secrets()

    assert current.get_secret_value() == key
    assert [k.get_secret_value() for k in older] == [old1, old2]


def test_an_empty_list_of_old_keys_is_none(tmp_path):
    settings = Settings(data_dir=tmp_path, database_url=SERVER_DATABASE, master_key=b64(os.urandom(32)),
                        old_master_keys="")

    assert settings.master_key_secrets()[1] == []


@pytest.mark.parametrize("field, value, named", [
    ("master_key", "not base64!", "ENVADMIN_MASTER_KEY"),
    ("master_key", b64(os.urandom(16)), "ENVADMIN_MASTER_KEY"),
    ("old_master_keys", f"{b64(os.urandom(32))},{b64(os.urandom(31))}", "ENVADMIN_OLD_MASTER_KEYS"),
], ids=["not-base64", "16-bytes", "second-old-key-31-bytes"])  # random values: ids every process agrees on
def test_a_malformed_key_is_refused_by_name_without_its_value(field, value, named, tmp_path):
    settings = Settings(data_dir=tmp_path, database_url=SERVER_DATABASE,
                        **{"master_key": b64(os.urandom(32)), field: value})

    with pytest.raises(MasterKeyError) as refused:
        settings.master_key_secrets()

    assert named in str(refused.value) and "base64 of 32 bytes" in str(refused.value)
    assert all(part.strip() not in str(refused.value) for part in value.split(","))
