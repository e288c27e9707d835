"""The account's SCIM tenant for Groups, on the real stacks with a real worker: an identity provider pushes groups
and their members, Account Administrators included, through the same commands and rules as every producer."""
from __future__ import annotations

from datetime import timedelta

from store.reads import account_lists, queries
from store.reads.audit_trail import AuditFilter, audit_page
from workers.celery_app import create_app

from ..support.running_workers import thread_worker
from .api_calls import ALICE
from .test_api_keys import bearer, new_key, two_accounts
from .test_scim_users import PATCH, TENANT, person

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def members(api, group_id: str, headers: dict) -> list[str]:
    answer = api.get(f"{TENANT}/Groups/{group_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    return sorted(member["value"] for member in answer.json().get("members", []))


def patch(api, group_id: str, headers: dict, *operations: dict):
    return api.patch(f"{TENANT}/Groups/{group_id}", json={"schemas": [PATCH], "Operations": list(operations)},
                     headers=headers)


def test_an_identity_provider_pushes_groups_and_administrators(api, stack):
    with thread_worker(create_app(stack)):
        two_accounts(api)
        okta = bearer(new_key(api, "okta", accounts=["1001"], by=ALICE, lifetime=timedelta(days=1)))
        engine = api.app.state.client.engine
        gina = api.post(f"{TENANT}/Users", json=person("gina@example.com"), headers=okta).json()

        listed = api.get(f"{TENANT}/Groups", headers=okta).json()
        [admins] = [group for group in listed["Resources"] if group["displayName"] == "Account Administrators"]
        assert [member["value"] for member in admins["members"]] == [ALICE]

        created = api.post(f"{TENANT}/Groups", headers=okta, json={
            "schemas": [GROUP], "displayName": "Engineering", "externalId": "g-1", "members": [{"value": gina["id"]}]})
        assert created.status_code == 201, created.text
        engineering = created.json()
        assert [member["value"] for member in engineering["members"]] == [gina["id"]]
        twice = api.post(f"{TENANT}/Groups", json={"schemas": [GROUP], "displayName": "ENGINEERING"}, headers=okta)
        assert twice.status_code == 409 and twice.json()["scimType"] == "uniqueness", twice.text
        for query in ('displayName eq "Engineering"', 'externalId eq "g-1"'):
            found = api.get(f"{TENANT}/Groups", params={"filter": query}, headers=okta).json()
            assert [group["id"] for group in found["Resources"]] == [engineering["id"]], query
        without = api.get(f"{TENANT}/Groups", params={"excludedAttributes": "members"}, headers=okta).json()
        assert all("members" not in group for group in without["Resources"])

        # Okta adds members; one of them has no sign-in yet: an invite, and the grant waits (listed already)
        added = patch(api, admins["id"], okta, {"op": "add", "path": "members",
                                                "value": [{"value": gina["id"]}, {"value": "newbie@example.com"}]})
        assert added.status_code in (200, 204), added.text
        assert members(api, admins["id"], okta) == [ALICE, "gina@example.com", "newbie@example.com"]
        assert queries.admins(engine, "1001") == [ALICE, "gina@example.com"]
        waiting = account_lists.pending_page(engine, "1001", None, 10).items
        assert [(grant.email, grant.group) for grant in waiting] == [("newbie@example.com", "Account Administrators")]

        # Entra ID's remove-members shape revokes; the last active administrator stays
        entra_removes = {"op": "Remove", "path": "members", "value": [{"value": gina["id"]}]}
        assert patch(api, admins["id"], okta, entra_removes).status_code in (200, 204)
        assert queries.admins(engine, "1001") == [ALICE]
        alice_id = ALICE  # a user's id is their email key
        last = patch(api, admins["id"], okta, {"op": "remove", "path": f'members[value eq "{alice_id}"]'})
        assert last.status_code == 409 and "last" in last.json()["detail"], last.text
        assert queries.admins(engine, "1001") == [ALICE]

        renamed = patch(api, engineering["id"], okta, {"op": "replace", "path": "displayName", "value": "R&D"})
        assert renamed.status_code in (200, 204), renamed.text
        again = api.get(f"{TENANT}/Groups/{engineering['id']}", headers=okta).json()
        assert (again["displayName"], again["members"][0]["value"]) == ("R&D", gina["id"])
        builtin = patch(api, admins["id"], okta, {"op": "replace", "path": "displayName", "value": "Bosses"})
        assert builtin.status_code == 409, builtin.text
        assert api.delete(f"{TENANT}/Groups/{admins['id']}", headers=okta).status_code == 409
        emptied = patch(api, engineering["id"], okta, {"op": "remove", "path": "members"})
        assert emptied.status_code in (200, 204) and members(api, engineering["id"], okta) == [], emptied.text
        assert api.delete(f"{TENANT}/Groups/{engineering['id']}", headers=okta).status_code == 204
        assert api.get(f"{TENANT}/Groups/{engineering['id']}", headers=okta).status_code == 404

        trail = audit_page(engine, "1001", AuditFilter(action="admin.revoked")).entries
        assert [(entry.source, entry.api_key, entry.target) for entry in trail] == \
            [("scim", "okta", "gina@example.com")]


def test_a_member_that_is_neither_a_user_nor_an_email_is_refused_and_nothing_is_applied(api, stack):
    with thread_worker(create_app(stack)):
        two_accounts(api)
        okta = bearer(new_key(api, "okta", accounts=["1001"], by=ALICE, lifetime=timedelta(days=1)))
        before = sum(queries.status_counts(api.app.state.client.engine).values())
        answer = api.post(f"{TENANT}/Groups", headers=okta, json={
            "schemas": [GROUP], "displayName": "Ops", "members": [{"value": "00u-not-a-user"}]})
        assert answer.status_code == 400 and "00u-not-a-user" in answer.json()["detail"], answer.text
        in_french = api.post(f"{TENANT}/Groups", headers=okta | {"Accept-Language": "fr-FR"}, json={
            "schemas": [GROUP], "displayName": "Ops", "members": [{"value": "00u-not-a-user"}]})
        assert in_french.json()["detail"].startswith("le membre '00u-not-a-user' n’est pas un utilisateur du compte "
                                                     "1001"), in_french.text
        assert sum(queries.status_counts(api.app.state.client.engine).values()) == before
