"""The asynchronous storage scim2-server's ASGI app calls: each operation of producers.scim.users run in a worker
thread (the store's reads and the wait for a worker are blocking), with the request's tenant."""
from __future__ import annotations

from typing import Any

from scim2_models import ResourceType, ResponseParameters, SearchRequest, User
from scim2_server.storage import AsyncScimStorage, SearchPage
from starlette.concurrency import run_in_threadpool

from producers.scim.users import UserStore
from producers.services.client import Client


class UserStorage(AsyncScimStorage):
    def __init__(self, client: Client, model: type[User]):
        self.users = UserStore(client, model)

    async def get(self, resource_type: ResourceType, resource_id: str, *,
                  response_parameters: ResponseParameters[Any] | None = None) -> User:
        return await run_in_threadpool(self.users.get, resource_id)

    async def search(self, resource_types: list[ResourceType], search_request: SearchRequest[Any], *,
                     position: Any = None) -> SearchPage:
        return await run_in_threadpool(self.users.search, search_request)

    async def create(self, resource_type: ResourceType, resource: User) -> User:
        return await run_in_threadpool(self.users.create, resource)

    async def update(self, resource_type: ResourceType, resource: User, *,
                     expected_version: str | None = None) -> User:
        return await run_in_threadpool(self.users.update, resource, expected_version)

    async def delete(self, resource_type: ResourceType, resource_id: str, *,
                     expected_version: str | None = None) -> None:
        await run_in_threadpool(self.users.delete, resource_id, expected_version)
