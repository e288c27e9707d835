"""The account's SCIM tenant for Users (/scim/v2/accounts/{n}/), on the real stacks with a real worker, with an
API key of that account: what an identity provider does to its users, and what it may not."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain.passwords import verify_password
from messaging.broker import SEND_MAILS
from store.reads import directory, queries
from store.reads.audit_trail import AuditFilter, audit_page
from store.tables import commands, mail_outbox, users
from workers.celery_app import create_app

from ..support.running_workers import thread_worker
from ..support.waiting import wait_until
from .api_calls import ALICE
from .test_api_keys import bearer, new_key, two_accounts

TENANT = "/scim/v2/accounts/1001"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
FRENCH = {"Accept-Language": "fr"}


def person(email: str, given: str = "Gina", family: str = "Roussel", **more) -> dict:
    """A user as Okta sends one."""
    return {"schemas": [USER], "userName": email, "name": {"givenName": given, "familyName": family},
            "emails": [{"primary": True, "value": email, "type": "work"}], "active": True, **more}


def test_an_identity_provider_creates_finds_deactivates_renames_and_deletes_users(api, stack):
    with thread_worker(create_app(stack)):
        two_accounts(api)
        okta = bearer(new_key(api, "okta", accounts=["1001"], by=ALICE, lifetime=timedelta(days=1)))

        config = api.get(f"{TENANT}/ServiceProviderConfig")
        assert config.status_code == 200 and config.json()["patch"]["supported"] is True
        created = api.post(f"{TENANT}/Users", json=person("gina@example.com", externalId="00u1"), headers=okta)
        assert created.status_code == 201, created.text
        gina = created.json()
        assert (gina["userName"], gina["active"], gina["externalId"]) == ("gina@example.com", True, "00u1")
        assert gina["meta"]["location"] == f"http://testserver{TENANT}/Users/{gina['id']}"
        engine = api.app.state.client.engine
        now = api.app.state.client.clock.now()
        assert directory.account_user(engine, "1001", "gina@example.com", now).state == "activation mail sent"

        again = api.post(f"{TENANT}/Users", json=person("Gina@Example.com"), headers=okta)
        assert again.status_code == 409 and again.json()["scimType"] == "uniqueness", again.text
        for query in ('userName eq "gina@example.com"', 'externalId eq "00u1"'):
            found = api.get(f"{TENANT}/Users", params={"filter": query}, headers=okta).json()
            assert found["totalResults"] == 1 and found["Resources"][0]["id"] == gina["id"], query
        assert api.get(f"{TENANT}/Users", params={"filter": 'userName eq "nobody@example.com"'},
                       headers=okta).json()["totalResults"] == 0

        okta_deactivates = {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": False}}]}
        patched = api.patch(f"{TENANT}/Users/{gina['id']}", json=okta_deactivates, headers=okta)
        assert patched.status_code in (200, 204), patched.text
        assert directory.account_user(engine, "1001", "gina@example.com", now).state == "disabled"
        entra_activates = {"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "active", "value": "True"}]}
        assert api.patch(f"{TENANT}/Users/{gina['id']}", json=entra_activates, headers=okta).status_code in (200, 204)
        assert directory.account_user(engine, "1001", "gina@example.com", now).state != "disabled"

        replaced = api.put(f"{TENANT}/Users/{gina['id']}", json=person("gina@example.com", "Gina", "Martin"),
                           headers=okta)
        assert replaced.status_code == 200 and replaced.json()["name"]["familyName"] == "Martin", replaced.text
        moved = api.put(f"{TENANT}/Users/{gina['id']}", json=person("other@example.com"), headers=okta)
        assert moved.status_code == 400 and moved.json()["scimType"] == "mutability", moved.text
        renamed = person("gina@example.com") | {"userName": "other@example.com"}  # emails kept: envadmin refuses it
        moved = api.put(f"{TENANT}/Users/{gina['id']}", json=renamed, headers=okta | FRENCH)
        assert moved.json()["detail"] == "l’adresse e-mail d’un utilisateur ne peut pas changer ; créez plutôt un " \
                                         "autre utilisateur"
        nameless = api.post(f"{TENANT}/Users", json=person("hugo@example.com", given=""), headers=okta | FRENCH)
        assert nameless.json()["detail"] == "name.givenName et name.familyName sont obligatoires", nameless.text

        assert api.delete(f"{TENANT}/Users/{gina['id']}", headers=okta).status_code == 204
        assert api.get(f"{TENANT}/Users/{gina['id']}", headers=okta).status_code == 404
        alice = api.get(f"{TENANT}/Users", params={"filter": f'userName eq "{ALICE}"'}, headers=okta).json()
        last = api.delete(f"{TENANT}/Users/{alice['Resources'][0]['id']}", headers=okta)
        assert last.status_code == 409 and "last administrator" in last.json()["detail"], last.text
        last = api.delete(f"{TENANT}/Users/{alice['Resources'][0]['id']}", headers=okta | FRENCH)
        assert last.status_code == 409 and "est le dernier administrateur du compte 1001" in last.json()["detail"], \
            last.text
        gone = api.get(f"{TENANT}/Users/{gina['id']}", headers=okta | FRENCH)
        assert gone.json()["detail"] == f"aucun utilisateur {gina['id']} dans le compte 1001", gone.text

        entries = audit_page(engine, "1001", AuditFilter(action="user.disabled")).entries
        assert [(entry.source, entry.api_key) for entry in entries] == [("scim", "okta")]
        assert queries.admins(engine, "1001") == [ALICE]


def test_a_request_without_a_key_or_for_another_account_is_refused_as_scim_errors(api, stack):
    with thread_worker(create_app(stack)):
        two_accounts(api)
        okta = bearer(new_key(api, "okta-1001", accounts=["1001"], by=ALICE, lifetime=timedelta(days=1)))
        missing = api.get(f"{TENANT}/Users", headers={"Authorization": ""})
        assert missing.status_code == 401 and missing.headers["content-type"] == "application/scim+json"
        assert missing.json()["detail"].startswith("missing API key")
        in_french = api.get(f"{TENANT}/Users", headers={"Authorization": ""} | FRENCH)
        assert in_french.json()["detail"].startswith("clé d’API manquante"), in_french.text
        assert api.get("/scim/v2/accounts/1002/Users", headers=okta).status_code == 404
        assert api.get("/scim/v2/accounts/1002/Users", headers=okta | FRENCH).json()["detail"] == \
            "le compte 1002 n’existe pas"
        assert api.get("/scim/v2/accounts/9999/Users", headers=okta).status_code == 404


def test_a_password_the_identity_provider_syncs_is_the_persons_own(api, stack):
    with thread_worker(create_app(stack)):
        two_accounts(api)
        okta = bearer(new_key(api, "okta", accounts=["1001"], by=ALICE, lifetime=timedelta(days=1)))
        gina = api.post(f"{TENANT}/Users", json=person("gina@example.com"), headers=okta).json()
        synced = {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"password": "Gina-Own-Passw0rd"}}]}
        assert api.patch(f"{TENANT}/Users/{gina['id']}", json=synced, headers=okta).status_code in (200, 204)

        engine = api.app.state.client.engine
        with engine.connect() as conn:
            row = conn.execute(select(users.c.password_hash, users.c.password_expired)
                               .where(users.c.email_key == gina["id"])).one()
        assert verify_password(row.password_hash, "Gina-Own-Passw0rd") and row.password_expired is False
        assert directory.account_user(engine, "1001", gina["id"], api.app.state.client.clock.now()).state == "active"


def test_a_create_is_applied_in_the_request_and_its_mail_handed_to_the_workers(api, stack):
    with thread_worker(create_app(stack)):
        two_accounts(api)
    okta = bearer(new_key(api, "okta", accounts=["1001"], by=ALICE, lifetime=timedelta(days=1)))
    client = api.app.state.client
    waiting_before = client.queue_depth()

    created = api.post(f"{TENANT}/Users", json=person("hana@example.com"), headers=okta)  # no worker runs
    assert created.status_code == 201, created.text
    assert created.json()["userName"] == "hana@example.com"
    with client.engine.connect() as conn:
        command = conn.execute(select(commands.c.type, commands.c.status, commands.c.source)
                               .where(commands.c.type == "add_user", commands.c.source == "scim")).one()
        mail = conn.execute(select(mail_outbox.c.status).where(mail_outbox.c.to_email == "hana@example.com")).one()
    assert (command.status, mail.status) == ("applied", "pending")
    assert client.queue_depth() == waiting_before + 1, f"one {SEND_MAILS} message for the workers"
    engine = client.engine
    entries = audit_page(engine, "1001", AuditFilter(action="user.added")).entries
    assert [(entry.source, entry.api_key) for entry in entries if entry.target == "hana@example.com"] == \
        [("scim", "okta")]

    with thread_worker(create_app(stack)):
        wait_until(lambda: _mail_status(engine, "hana@example.com") == "sent", "the activation mail to be sent",
                   timeout=60)


def _mail_status(engine, email: str) -> str:
    with engine.connect() as conn:
        return conn.execute(select(mail_outbox.c.status).where(mail_outbox.c.to_email == email)).scalar_one()
