"""The console's API keys of an account, over HTTP on a real store (SQLite and PostgreSQL): an administrator makes
a key acting as themselves on this account, sees its secret once, lists and revokes it (from a confirmation
page), each action audited as theirs; someone who does not administer the account sees no such page."""
from __future__ import annotations

import re

from sqlalchemy import select

from store.api_keys import resolve_key, webhook_secret
from store.tables import audit_log

from .console_site import ALICE, BOB, OWN, Console

KEYS = "/accounts/1001/keys"
_KEY = re.compile(r'<code class="api-key">(ea_[^<]+)</code>')


def test_an_administrator_makes_sees_once_lists_and_revokes_a_key(console: Console):
    console.sign_in(ALICE, OWN)
    assert console.browser.get("/accounts/1001").text.count(KEYS) == 1
    empty = console.browser.get(KEYS)
    assert empty.status_code == 200 and "No key yet." in empty.text

    made = console.browser.post(KEYS, data={"csrf_token": console.csrf(KEYS), "key_name": "hr-sync"})
    assert made.status_code == 200, made.text
    [key] = _KEY.findall(made.text)
    client = console.browser.app.state.client
    scope = resolve_key(console.engine, client.master_keys(), key, client.clock.now()).scope
    assert (scope.person, scope.accounts) == (ALICE, ("1001",))
    listed = console.browser.get(KEYS).text
    assert "hr-sync" in listed and key not in listed  # shown once, never again

    taken = console.browser.post(KEYS, data={"csrf_token": console.csrf(KEYS), "key_name": "hr-sync"})
    assert taken.status_code == 422 and "a key named hr-sync exists already" in taken.text
    bad = console.browser.post(KEYS, data={"csrf_token": console.csrf(KEYS), "key_name": "no spaces"})
    assert bad.status_code == 422 and "a key&#39;s name" in bad.text

    confirm = console.browser.get(f"{KEYS}/revoke?name=hr-sync")
    assert confirm.status_code == 200 and "Revoke the key hr-sync?" in confirm.text
    done = console.browser.post(f"{KEYS}/revoke", data={"csrf_token": console.csrf(confirm.url.path + "?name=hr-sync"),
                                                         "name": "hr-sync"}, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, KEYS)
    assert resolve_key(console.engine, client.master_keys(), key, client.clock.now()).refusal == \
        "this API key was revoked"
    assert console.browser.get(f"{KEYS}/revoke?name=hr-sync").status_code == 404  # revoked already
    with console.engine.connect() as conn:
        audited = conn.execute(select(audit_log.c.action, audit_log.c.actor, audit_log.c.source, audit_log.c.account)
                               .where(audit_log.c.action.like("apikey.%")).order_by(audit_log.c.id)).all()
    assert [tuple(row) for row in audited] == [("apikey.created", ALICE, "web", "1001"),
                                               ("apikey.revoked", ALICE, "web", "1001")]


def test_someone_who_does_not_administer_the_account_sees_no_keys_page_and_revokes_nothing(console: Console):
    console.sign_in(ALICE, OWN)
    console.browser.post(KEYS, data={"csrf_token": console.csrf(KEYS), "key_name": "alice-key"})
    console.sign_in(BOB, OWN)
    assert console.browser.get(KEYS).status_code == 404
    assert console.browser.get(f"{KEYS}/revoke?name=alice-key").status_code == 404
    refused = console.browser.post(f"{KEYS}/revoke", data={"csrf_token": console.csrf("/"), "name": "alice-key"},
                                   follow_redirects=False)
    assert refused.status_code == 404
    assert console.browser.post(KEYS, data={"csrf_token": console.csrf("/"), "key_name": "bob-key"}).status_code \
        == 404


def test_a_key_made_with_a_callback_url_shows_its_signing_secret_once_and_a_bad_url_is_named(console: Console):
    console.sign_in(ALICE, OWN)
    bad = console.browser.post(KEYS, data={"csrf_token": console.csrf(KEYS), "key_name": "hr-sync",
                                           "callback_url": "ftp://hr.example/hooks"})
    assert bad.status_code == 422 and "expected an http:// or https:// URL" in bad.text
    assert 'value="ftp://hr.example/hooks"' in bad.text and 'value="hr-sync"' in bad.text  # nothing typed is lost

    made = console.browser.post(KEYS, data={"csrf_token": console.csrf(KEYS), "key_name": "hr-sync",
                                            "callback_url": "https://hr.example/hooks"})
    assert made.status_code == 200, made.text
    [secret] = re.findall(r'<code class="api-key" id="webhook-secret">(whsec_[^<]+)</code>', made.text)
    client = console.browser.app.state.client
    assert webhook_secret(console.engine, client.master_keys(), "hr-sync") == secret
    listed = console.browser.get(KEYS).text
    assert "Outcomes posted to https://hr.example/hooks" in listed and secret not in listed
    plain = console.browser.post(KEYS, data={"csrf_token": console.csrf(KEYS), "key_name": "no-callback",
                                             "callback_url": ""})
    assert plain.status_code == 200 and "webhook-secret" not in plain.text
