"""The requests Microsoft Entra ID sends with its default attribute mappings, which scim2-tester does not: a user
with attributes envadmin does not keep (dropped, not refused), groups looked up by displayName without their
members, capitalised PATCH operations, "False" as a string, and the soft delete of a user through `active`."""
from __future__ import annotations

from datetime import timedelta

from store.reads import directory, queries
from workers.celery_app import create_app

from ..support.running_workers import thread_worker
from .api_calls import ALICE
from .test_api_keys import bearer, new_key, two_accounts
from .test_scim_groups import GROUP
from .test_scim_users import PATCH, TENANT, USER

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ENTRA_USER = {
    "schemas": [USER, ENTERPRISE], "externalId": "jdoe", "userName": "jdoe@contoso.com", "active": True,
    "displayName": "John Doe", "title": "Manager", "preferredLanguage": "fr-FR", "roles": [],
    "emails": [{"primary": True, "type": "work", "value": "jdoe@contoso.com"}],
    "name": {"familyName": "Doe", "givenName": "John", "formatted": "John Doe"},
    "addresses": [{"primary": True, "type": "work", "locality": "Paris", "country": "FR"}],
    "phoneNumbers": [{"primary": True, "type": "work", "value": "+33 1 00 00 00 00"}],
    "meta": {"resourceType": "User"}, ENTERPRISE: {"department": "Sales", "employeeNumber": "42"},
}


def entra_patch(*operations: dict) -> dict:
    return {"schemas": [PATCH], "Operations": list(operations)}


def test_entra_ids_default_requests_provision_group_and_soft_delete_a_user(api, stack):
    with thread_worker(create_app(stack)):
        two_accounts(api)
        entra = bearer(new_key(api, "entra", accounts=["1001"], by=ALICE, lifetime=timedelta(days=1)))
        engine, now = api.app.state.client.engine, api.app.state.client.clock.now()

        created = api.post(f"{TENANT}/Users", json=ENTRA_USER, headers=entra)
        assert created.status_code == 201, created.text
        john = created.json()
        assert (john["displayName"], john["externalId"], john["name"]) == \
            ("John Doe", "jdoe", {"givenName": "John", "familyName": "Doe"})
        assert "title" not in john and ENTERPRISE not in john

        group = api.post(f"{TENANT}/Groups", headers=entra,
                         json={"schemas": [GROUP], "externalId": "e-42", "displayName": "Sales", "members": []})
        assert group.status_code == 201, group.text
        found = api.get(f"{TENANT}/Groups", headers=entra,
                        params={"filter": 'displayName eq "Sales"', "excludedAttributes": "members"}).json()
        assert [(g["id"], "members" in g) for g in found["Resources"]] == [(group.json()["id"], False)]
        added = api.patch(f"{TENANT}/Groups/{group.json()['id']}", headers=entra,
                          json=entra_patch({"op": "Add", "path": "members", "value": [{"value": john["id"]}]}))
        assert added.status_code == 204, added.text
        assert directory.account_user(engine, "1001", "jdoe@contoso.com", now).groups == ["Sales"]

        renamed = api.patch(f"{TENANT}/Users/{john['id']}", headers=entra, json=entra_patch(
            {"op": "Replace", "path": "displayName", "value": "Johnny Doe"},
            {"op": "Add", "path": "title", "value": "Director"}))
        assert renamed.status_code == 204, renamed.text
        soft_deleted = api.patch(f"{TENANT}/Users/{john['id']}", headers=entra,
                                 json=entra_patch({"op": "Replace", "path": "active", "value": "False"}))
        assert soft_deleted.status_code == 204, soft_deleted.text
        again = api.get(f"{TENANT}/Users/{john['id']}", headers=entra).json()
        assert (again["displayName"], again["active"]) == ("Johnny Doe", False)
        assert directory.account_user(engine, "1001", "jdoe@contoso.com", now).state == "disabled"
        assert queries.status_counts(engine).get("rejected", 0) == 0
