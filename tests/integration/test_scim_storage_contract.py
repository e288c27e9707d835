"""scim2-server's contract of a storage (scim2_server.testing), run on the storage of an account's SCIM tenant over
PostgreSQL, its writes applied by a real worker on Redis.

Where the contract's resources are not what an account holds, the hooks it offers adapt them, and nothing else:
- its users are made of a userName only; an account's user is known by email and has a name, so the users it
  creates are given both (an email of their own each);
- it starts from an empty storage; an account never is (its first administrator and its Account Administrators
  group are there from its creation), so its searches leave those two out, by a filter the storage applies;
- a group member has no `display` here (scim2-tester reads a display it did not send as a changed value)."""
from __future__ import annotations

import uuid
from typing import Any

import pytest
from scim2_models import Context, ResponseParameters, UniquenessException
from scim2_server.storage import projection
from scim2_server.testing import AsyncScimStorageContract
from scim2_server.utils import parametrize

from domain.model import ADMIN_GROUP, email_key
from producers.scim.storage import TenantStorage
from producers.scim.tenant_app import provider as tenant_provider
from producers.scim.tenant_context import Tenant, enter_tenant
from producers.services.client import Client, new_command
from store.reads import scim_groups
from workers.celery_app import create_app

from ..support.running_workers import thread_worker
from ..support.services import REDIS_URL, empty_store, require
from ..support.stack_settings import make_settings

ACCOUNT, ADMIN = "7001", "admin@contract.example"
FOUNDING: list[str] = []  # the ids of the account's first administrator and Account Administrators group


@pytest.fixture(scope="module")
def running(pg_database_url, tmp_path_factory):
    """One worker and one client for the module's tests (each test empties the store)."""
    require("redis")
    settings = make_settings(tmp_path_factory.mktemp("contract"), pg_database_url, REDIS_URL)
    client = Client(settings)
    with thread_worker(create_app(settings)):
        yield client
    client.close()


class TestTenantStorage(AsyncScimStorageContract):
    @pytest.fixture
    def provider(self):
        return tenant_provider()

    @pytest.fixture
    def async_storage(self, running: Client, provider):
        empty_store(running.settings.effective_database_url)
        opened = new_command("create_account", actor="support", source="cli", account=ACCOUNT, name="Contract",
                             admin_email=ADMIN, first_name="Ada", last_name="Admin", activation="mail",
                             clock=running.clock)
        running.wait(running.submit([opened]).ids, timeout=30)
        enter_tenant(Tenant(ACCOUNT, ADMIN, None))  # before the contract's event loop copies the context
        FOUNDING[:] = [email_key(ADMIN), str(scim_groups.group_by_name(running.engine, ACCOUNT, ADMIN_GROUP).id)]
        models = {kind.name: provider.model_for(kind) for kind in provider.resource_types}
        return TenantStorage(running, models["User"], models["Group"])

    @staticmethod
    def as_person(user: dict[str, Any]) -> dict[str, Any]:
        name = user["userName"]
        email = f"{name.strip('_%').lower() or 'user'}.{uuid.uuid4().hex[:6]}@contract.example"
        return {**user, "emails": user.get("emails") or [{"value": email, "type": "work", "primary": True}],
                "name": {"givenName": name.title(), "familyName": "Contract", **user.get("name", {})}}

    def create_users(self, storage, user_type, user_model, *user_names: str) -> list[Any]:
        return [storage.create(user_type, user_model.model_validate(self.as_person({"userName": name})))
                for name in user_names]

    @staticmethod
    def search(storage, resource_types, search_request, position=None):
        """The contract's search, of the resources it created: the account's founding ones filtered out."""
        founding = " and ".join(f'not (id eq "{resource_id}")' for resource_id in FOUNDING)
        scoped = f"({search_request.filter}) and {founding}" if search_request.filter else founding
        asked = search_request.model_dump(by_alias=True, exclude_none=True) | {"filter": scoped}
        return AsyncScimStorageContract.search(storage, resource_types, type(search_request).model_validate(asked),
                                               position)

    def test_create_does_not_change_the_given_resource(self, storage, user_type, user_model) -> None:
        given = user_model.model_validate(self.as_person({"userName": "bjensen"}))
        storage.create(user_type, given)

        assert given.id is None and given.meta is None

    def test_create_with_a_taken_unique_value(self, storage, user_type, user_model) -> None:
        self.create_users(storage, user_type, user_model, "bjensen")

        with pytest.raises(UniquenessException):
            storage.create(user_type, user_model.model_validate(self.as_person({"userName": "BJensen"})))

    @pytest.mark.parametrize("parameters", [{"excludedAttributes": "members"}, {"attributes": "displayName"},
                                            {"attributes": "members.value"}])
    def test_get_keeps_what_the_response_returns(self, storage, user_type, group_type, user_model, group_model,
                                                 parameters) -> None:
        (user,) = self.create_users(storage, user_type, user_model, "bjensen")
        group = storage.create(group_type, group_model.model_validate(
            {"displayName": "Admins", "members": [{"value": user.id}]}))
        response_parameters = parametrize(ResponseParameters, group_model).model_validate(parameters)

        whole = storage.get(group_type, group.id)
        projected = storage.get(group_type, group.id, **projection(storage, response_parameters))

        dump = {"scim_ctx": Context.RESOURCE_QUERY_RESPONSE, "response_parameters": response_parameters}
        assert projected.model_dump(**dump) == whole.model_dump(**dump)

    def search_users(self) -> list[dict[str, Any]]:
        """The contract's, with what an account's user is made of only (title and the enterprise extension are
        not kept)."""
        kept = ("userName", "displayName", "name", "active", "emails")
        return [self.as_person({name: value for name, value in user.items() if name in kept})
                for user in super().search_users()]
