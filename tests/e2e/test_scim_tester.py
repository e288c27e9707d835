"""scim2-tester's checks against a live SCIM tenant: `envadmin web` and `envadmin worker` on Redis + PostgreSQL, an
account whose administrator's API key the checks use, over the network as an identity provider calls it."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from store.api_keys import create_key

from .browser_steps import ALICE
from .test_scim_groups import GROUP
from .test_scim_users import PATCH, person

ACCOUNT = "4501"


# scim2-tester's replacement check fills every attribute with new values, an immutable one too when it is complex
# (its own "hotfix" restores only the simple ones), so its PUT changes the user's email, which RFC 7644 §3.5.1
# answers with a mutability error: a user of an account is known by their email, which does not change.
REFUSED_BY_RFC = {("User", "object_replacement"): "mutability"}


def test_every_check_of_scim2_tester_passes_on_a_live_tenant_but_the_change_of_an_immutable_email(web_stack):
    web_stack.open_account(ACCOUNT, ALICE)
    client = web_stack.client
    key = create_key(client.engine, client.master_keys(), "scim2-tester", datetime.now(timezone.utc),
                     accounts=[ACCOUNT], by=ALICE, lifetime=timedelta(hours=1)).key
    with httpx2.Client(base_url=f"{web_stack.url}/scim/v2/accounts/{ACCOUNT}",
                       headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
        results = check_server(SyncSCIMClient(http))

    failed = {(result.resource_type, result.title): result.reason for result in results
              if result.status == Status.ERROR}
    assert set(failed) == set(REFUSED_BY_RFC), failed
    assert all(why in failed[check] for check, why in REFUSED_BY_RFC.items()), failed
    passed = {(result.resource_type, result.title) for result in results if result.status == Status.SUCCESS}
    assert {("Group", "object_replacement"), ("Group", "check_add_attribute"),
            ("User", "object_creation")} <= passed, passed
    assert len(results) > 20 and {result.status for result in results} <= {Status.SUCCESS, Status.SKIPPED,
                                                                            Status.ERROR}


def test_members_added_to_one_group_at_once_are_all_kept(web_stack):
    """An identity provider sends its PATCHes in parallel (Entra ID does): none is lost, none refused."""
    web_stack.open_account("4502", ALICE)
    client = web_stack.client
    key = create_key(client.engine, client.master_keys(), "parallel-idp", datetime.now(timezone.utc),
                     accounts=["4502"], by=ALICE, lifetime=timedelta(hours=1)).key
    emails = [f"parallel{i:02}@example.com" for i in range(24)]
    with httpx2.Client(base_url=f"{web_stack.url}/scim/v2/accounts/4502",
                       headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
        for email in emails:
            assert http.post("/Users", json=person(email)).status_code == 201
        group = http.post("/Groups", json={"schemas": [GROUP], "displayName": "Parallel"}).json()

        def add(email: str) -> int:
            return http.patch(f"/Groups/{group['id']}", json={"schemas": [PATCH], "Operations": [
                {"op": "add", "path": "members", "value": [{"value": email}]}]}).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(add, emails))
        assert all(status in (200, 204) for status in statuses), statuses
        kept = http.get(f"/Groups/{group['id']}").json()["members"]
    assert sorted(member["value"] for member in kept) == emails
