"""Each account a SCIM 2.0 tenant at /scim/v2/accounts/{account}/, served by scim2-server over the store.

A request carries an API key (`Authorization: Bearer <key>`, the keys of `envadmin api-key create`) that covers
the account; it acts as the key's person, so the rules of that person's role apply to what it changes. The key is
checked, and the account looked up, before scim2-server sees the request: a request without a good key is 401, one
for an account the key does not cover or that does not exist is 404, as for none (SCIM error bodies).
"""
from __future__ import annotations

import asyncio
import json

from scim2_models import Mutability, Required, ScimPolicy, ScimProvider, ServiceProviderConfig
from scim2_models.resources.service_provider_config import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    ETag,
    Filter,
    Patch,
    Sort,
)
from scim2_server.applications.asgi import ASGIApplication
from scim2_server.service import ScimService
from scim2_server.utils import load_default_resource_types, load_default_schemas
from starlette.concurrency import run_in_threadpool

from domain.said import in_reader, said
from languages import DEFAULT, from_accept_language, reader
from producers.scim.groups import GROUP_SCHEMA
from producers.scim.storage import TenantStorage
from producers.scim.tenant_context import Tenant, enter_tenant
from producers.scim.users import USER_SCHEMA
from producers.services.client import Client
from producers.services.key_check import check_key
from producers.services.refusal import Refused, refused
from store.reads import queries

MAX_RESULTS = 200  # resources a page of a search holds at most
WRITES = ("PUT", "PATCH", "DELETE")


# What a user and a group of an account are made of, and so all their schemas publish: an attribute published and
# not kept would be lost in silence (an identity provider would send it on every sync, and never see it back).
KEPT = {USER_SCHEMA: {"userName": None, "displayName": None, "name": {"givenName", "familyName"},
                      "emails": {"value", "type", "primary"}, "active": None, "password": None},
        GROUP_SCHEMA: {"displayName": None, "members": {"value", "type", "$ref"}}}
# What identity providers send as they are configured out of the box:
# - attributes envadmin does not keep (Entra ID's title, phoneNumbers, addresses, name.formatted and enterprise
#   extension; Okta's locale): dropped, not refused, or no user could be provisioned until every mapping is
#   edited (the schemas published say what is kept);
# - Entra ID's removal of a member, {"op": "Remove", "path": "members", "value": [{"value": id}]}, which RFC 7644
#   does not define: the value is taken as the filter members[value eq id].
IDENTITY_PROVIDERS = ScimPolicy(unknown=ScimPolicy.Unknown.ignore,
                                remove_value_as_filter=ScimPolicy.RemoveValue.apply,
                                unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create)


def provider() -> ScimProvider:
    """Users and groups, with what the storage supports: filters, sorting and PATCH; no bulk, no password change.
    A user's names, email and state are required, the email immutable: a user is known by email (when userName is
    not an email, the user's comes from `emails`)."""
    config = ServiceProviderConfig(
        patch=Patch(supported=True), bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS), change_password=ChangePassword(supported=False),
        sort=Sort(supported=True), etag=ETag(supported=True),
        authentication_schemes=[AuthenticationScheme(
            type="oauthbearertoken", name="API key", primary=True,
            description="An API key of the account (envadmin api-key create), as Authorization: Bearer <key>")])
    schemas = load_default_schemas()
    user, group = _kept(schemas[USER_SCHEMA]), _kept(schemas[GROUP_SCHEMA])
    for attribute in user.attributes:
        if attribute.name in ("name", "emails", "active"):  # what every user of an account has
            attribute.required = Required.true
            for sub in attribute.sub_attributes or []:
                sub.required = Required.true if sub.name in ("givenName", "familyName", "value") else sub.required
        if attribute.name == "emails":  # a user is known by email, which does not change
            attribute.mutability = Mutability.immutable
    types = load_default_resource_types()
    user_type = types["User"]
    user_type.schema_extensions = []
    return ScimProvider.from_discovery([user, group], [user_type, types["Group"]], config=config,
                                       policy=IDENTITY_PROVIDERS)


def _kept(schema):
    kept = KEPT[schema.id]
    schema.attributes = [attribute for attribute in schema.attributes if attribute.name in kept]
    for attribute in schema.attributes:
        if kept[attribute.name] is not None:
            attribute.sub_attributes = [sub for sub in attribute.sub_attributes if sub.name in kept[attribute.name]]
    return schema


class ScimTenants(ASGIApplication):
    """The SCIM app of every account, mounted at /scim/v2/accounts/{account}."""

    def __init__(self, client: Client, legacy_token: bytes, secret: str):
        scim = provider()
        models = {kind.name: scim.model_for(kind) for kind in scim.resource_types}
        super().__init__(TenantStorage(client, models["User"], models["Group"]), scim,
                         ScimService(scim, secret=secret))
        self.client, self.legacy_token = client, legacy_token
        self.group_locks: dict[tuple[str, str], asyncio.Lock] = {}  # one a group written to (groups are few)

    @staticmethod
    def get_base_url(scope) -> str:
        """The tenant's root, as the client sees it: the mount's path already ends with the version."""
        host = dict(scope["headers"]).get(b"host", b"").decode()
        return f"{scope['scheme']}://{host}{scope.get('root_path', '')}"

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        account = scope.get("path_params", {}).get("account", "")
        headers = {name.decode().lower(): value.decode() for name, value in scope["headers"]}
        language = from_accept_language(headers.get("accept-language")) or DEFAULT
        try:
            tenant = await run_in_threadpool(self._tenant, account, headers.get("authorization", ""),
                                             (scope.get("client") or ("unknown", 0))[0], self.get_base_url(scope),
                                             language)
        except Refused as refusal:
            return await _scim_error(send, refusal.status, in_reader(refusal.errors[0]["message"], reader(language)),
                                     refusal.headers)
        enter_tenant(tenant)
        if scope["method"] not in WRITES or "/Groups/" not in scope["path"]:
            return await super().__call__(scope, receive, send)
        # A group's PATCH is a new whole group, made from the one read when the request came: two at once would
        # each find the other's change a conflict (412). Those this process serves wait for each other instead.
        group = (account, scope["path"].rstrip("/").rsplit("/", 1)[-1])
        async with self.group_locks.setdefault(group, asyncio.Lock()):
            return await super().__call__(scope, receive, send)

    def _tenant(self, account: str, authorization: str, address: str, base_url: str, language: str) -> Tenant:
        scope = check_key(self.client, self.legacy_token, authorization, address)
        if not scope.covers(account) or not queries.account_exists(self.client.engine, account):
            raise refused(404, said("account.unknown", account=account))
        return Tenant(account, scope.person, scope.key_id, base_url, language)


async def _scim_error(send, status: int, detail: str, headers: dict[str, str] | None) -> None:
    body = json.dumps({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": str(status),
                       "detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/scim+json"),
                            *((name.encode(), value.encode()) for name, value in (headers or {}).items())]})
    await send({"type": "http.response.body", "body": body})
