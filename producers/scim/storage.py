"""The asynchronous storage scim2-server's ASGI app calls: each operation of producers.scim.users or
producers.scim.groups, by resource type, run in a worker thread (the store's reads and writes are blocking), with
the request's tenant. A search at the root (several resource types) is one collection of them."""
from __future__ import annotations

from typing import Any

from scim2_models import Resource, ResourceType, ResponseParameters, SearchRequest
from scim2_server.storage import AsyncScimStorage, SearchPage
from starlette.concurrency import run_in_threadpool

from producers.scim.groups import GroupStore
from producers.scim.search_pages import page_of
from producers.scim.users import UserStore
from producers.services.apply_here import AppliedHere
from producers.services.client import Client


class TenantStorage(AsyncScimStorage):
    def __init__(self, client: Client, user_model: type[Resource], group_model: type[Resource]):
        here = AppliedHere(client)
        self.stores: dict[str, UserStore | GroupStore] = {
            "User": UserStore(client, user_model, here), "Group": GroupStore(client, group_model, here)}

    async def get(self, resource_type: ResourceType, resource_id: str, *,
                  response_parameters: ResponseParameters[Any] | None = None) -> Resource:
        return await run_in_threadpool(self.stores[resource_type.name].get, resource_id)

    async def search(self, resource_types: list[ResourceType], search_request: SearchRequest[Any], *,
                     position: Any = None) -> SearchPage:
        if len(resource_types) == 1:
            return await run_in_threadpool(self.stores[resource_types[0].name].search, search_request)
        every = search_request.model_copy(update={"start_index": None, "count": None})
        found: list[Resource] = []
        for resource_type in resource_types:
            found += (await run_in_threadpool(self.stores[resource_type.name].search, every)).resources
        return page_of(found, search_request)

    async def create(self, resource_type: ResourceType, resource: Resource) -> Resource:
        return await run_in_threadpool(self.stores[resource_type.name].create, resource)

    async def update(self, resource_type: ResourceType, resource: Resource, *,
                     expected_version: str | None = None) -> Resource:
        return await run_in_threadpool(self.stores[resource_type.name].update, resource, expected_version)

    async def delete(self, resource_type: ResourceType, resource_id: str, *,
                     expected_version: str | None = None) -> None:
        await run_in_threadpool(self.stores[resource_type.name].delete, resource_id, expected_version)
