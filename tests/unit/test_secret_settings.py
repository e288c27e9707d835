"""Shared secrets long enough to be worth guessing at: the ops password and the API token are refused at start
when shorter than 16 characters (the master key is always the base64 of 32 bytes), by name, never by value."""
from __future__ import annotations

import pytest

from config.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def no_secrets_in_the_environment(monkeypatch, tmp_path):
    for variable in ("ENVADMIN_OPS_PASSWORD", "ENVADMIN_API_TOKEN", "ENVADMIN_TRUSTED_PROXIES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("ENVADMIN_DATA_DIR", str(tmp_path))


@pytest.mark.parametrize("variable", ["ENVADMIN_OPS_PASSWORD", "ENVADMIN_API_TOKEN"])
@pytest.mark.parametrize("secret", ["Q7", "fifteen-chars-x"])
def test_a_short_secret_is_refused_by_name_without_its_value(monkeypatch, variable, secret):
    monkeypatch.setenv(variable, secret)

    with pytest.raises(SettingsError) as refused:
        load_settings()

    assert str(refused.value).startswith(f"{variable} must be at least 16 characters long")
    assert secret not in str(refused.value)


@pytest.mark.parametrize("variable, field", [("ENVADMIN_OPS_PASSWORD", "ops_password"),
                                             ("ENVADMIN_API_TOKEN", "api_token")])
def test_a_secret_of_16_characters_is_taken_and_an_empty_one_means_unset(monkeypatch, variable, field):
    monkeypatch.setenv(variable, "sixteen-chars-xy")
    assert getattr(load_settings(), field).get_secret_value() == "sixteen-chars-xy"
    monkeypatch.setenv(variable, "")
    assert getattr(load_settings(), field) is None


def test_every_unusable_setting_is_named_by_its_variable(monkeypatch):
    monkeypatch.setenv("ENVADMIN_MAX_ATTEMPTS", "0")
    monkeypatch.setenv("ENVADMIN_TRUSTED_PROXIES", "10.0.0.1, proxy.example")

    with pytest.raises(SettingsError) as refused:
        load_settings()

    assert "ENVADMIN_MAX_ATTEMPTS: Input should be greater than or equal to 1" in str(refused.value)
    assert "ENVADMIN_TRUSTED_PROXIES: 'proxy.example' is not an IP address or network" in str(refused.value)


def test_trusted_proxies_are_none_by_default_and_read_as_addresses_or_networks(monkeypatch):
    assert load_settings().trusted_proxy_list == []
    monkeypatch.setenv("ENVADMIN_TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16 ::1")
    assert load_settings().trusted_proxy_list == ["10.0.0.1", "192.168.0.0/16", "::1"]
