"""An account's groups as SCIM Group resources (RFC 7643 §4.2), over the store, for scim2-server.

Every group of the account is one, `Account Administrators` included. Writes are commands (producers.scim.writes):
a create is a `create_group` and an `add_member` per member; a new displayName a `rename_group`; a delete a
`delete_group`. A member added is an `add_member`, or a `grant_admin` in Account Administrators, through the
normal pipeline: a person who has no sign-in the account vouches for is sent an encrypted envelope invite and the
grant waits for them to register; such a member is listed already (the provider asked for them). A member removed
is a `remove_member` or a `revoke_admin`, so the account's last administrator stays.

A group's id does not change when it is renamed. A member's value is a user's id (producers.scim.users: their email
key); an email that is no user of the account yet is taken too, as a grant to that email.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote
from uuid import UUID

from scim2_models import Group, NotFoundException, SCIMException, SearchRequest, UniquenessException
from scim2_server.storage import SearchPage

from domain.model import ADMIN_GROUP_KEY, email_key, group_key
from producers.scim import writes
from producers.scim.scim_messages import detail
from producers.scim.search_pages import equality, page_of
from producers.scim.tenant_context import Tenant, current_tenant
from producers.services.apply_here import AppliedHere
from producers.services.client import Client
from store.provider_ids import link_group_external_id
from store.reads import directory, scim_groups

GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


class InvalidMember(SCIMException):
    status = 400
    scim_type = "invalidValue"


@dataclass
class GroupStore:
    """The sync side of the SCIM storage of groups; `model`: the provider's Group model."""

    client: Client
    model: type[Group]
    here: AppliedHere  # applies its writes

    # -- reads ----------------------------------------------------------------------------------
    def get(self, resource_id: str) -> Group:
        return as_resource(self.model, self._group(resource_id), current_tenant().base_url)

    def _group(self, resource_id: str) -> scim_groups.ScimGroup:
        tenant = current_tenant()
        found = scim_groups.group_by_id(self.client.engine, tenant.account, _uuid(resource_id)) \
            if _uuid(resource_id) is not None else None
        if found is None:
            raise NotFoundException(detail=detail(tenant, "scim.group.none", group=resource_id,
                                                  account=tenant.account))
        return found

    def search(self, search_request: SearchRequest[Any]) -> SearchPage:
        tenant = current_tenant()
        engine = self.client.engine
        looked_up = equality(search_request, ("displayname", "externalid"))
        if looked_up is not None and looked_up[0] == "displayname":
            found = scim_groups.group_by_name(engine, tenant.account, looked_up[1])
            candidates = [found] if found is not None else []
        else:
            candidates = scim_groups.account_groups(engine, tenant.account,
                                                    external_id=looked_up[1] if looked_up else None)
        return page_of([as_resource(self.model, group, tenant.base_url) for group in candidates], search_request)

    # -- writes ---------------------------------------------------------------------------------
    def create(self, resource: Group) -> Group:
        tenant = current_tenant()
        name = resource.display_name or ""
        if scim_groups.group_by_name(self.client.engine, tenant.account, name) is not None:
            raise UniquenessException(detail=detail(tenant, "group.exists", group=name, account=tenant.account))
        emails = self._member_emails(tenant, resource)
        writes.apply(self.here, tenant, [
            writes.command(self.client, tenant, "create_group", group=name),
            *(self._join(tenant, group_key(name), name, email) for email in emails.values())],
            exists_is_conflict=True)
        created = scim_groups.group_by_name(self.client.engine, tenant.account, name)
        if resource.external_id is not None:
            link_group_external_id(self.client.engine, tenant.account, created.id, resource.external_id)
        return self.get(str(created.id))

    def update(self, resource: Group, expected_version: str | None) -> Group:
        tenant = current_tenant()
        group = self._group(resource.id or "")
        stored = as_resource(self.model, group, tenant.base_url)
        writes.check_version(stored, expected_version, "group")
        name = stored.display_name
        commands = []
        if resource.display_name is not None and resource.display_name != name:
            commands.append(writes.command(self.client, tenant, "rename_group", group=name,
                                           new_name=resource.display_name))
            name = resource.display_name
        present = {member.email_key: member.email for member in group.members}
        wanted = self._member_emails(tenant, resource, present)
        key = group_key(name)
        # Joins first: a group's last administrator may be replaced in one request
        commands += [self._join(tenant, key, name, email) for member, email in wanted.items() if member not in present]
        commands += [self._leave(tenant, key, name, email) for member, email in present.items() if member not in wanted]
        writes.apply(self.here, tenant, commands, exists_is_conflict=True)
        if resource.external_id != stored.external_id:
            link_group_external_id(self.client.engine, tenant.account, UUID(stored.id), resource.external_id)
        return self.get(stored.id)

    def delete(self, resource_id: str, expected_version: str | None) -> None:
        tenant = current_tenant()
        stored = self.get(resource_id)
        writes.check_version(stored, expected_version, "group")
        writes.apply(self.here, tenant, [writes.command(self.client, tenant, "delete_group",
                                                          group=stored.display_name)])

    def _member_emails(self, tenant: Tenant, resource: Group, present: dict[str, str] | None = None) -> dict[str, str]:
        """Each member's id (a user's email key) and email: a user of the account, or an email to grant to.
        `present`: the group's members as they stand, by id, which need no lookup (a PATCH that adds one member
        to a group of thousands is the whole group, every member but one as it was given out)."""
        found: dict[str, str] = {}
        for member in resource.members or []:
            value = (member.value or "").strip()
            if present and value in present:
                found[value] = present[value]
                continue
            user = directory.account_user(self.client.engine, tenant.account, value, self.client.clock.now())
            if user is not None:
                found[user.email_key] = user.email
            elif "@" in value:
                found[email_key(value)] = value
            else:
                raise InvalidMember(detail=detail(tenant, "scim.member.invalid", member=repr(value),
                                                  account=tenant.account))
        return found

    def _join(self, tenant: Tenant, key: str, name: str, email: str):
        if key == ADMIN_GROUP_KEY:
            return writes.command(self.client, tenant, "grant_admin", email=email)
        return writes.command(self.client, tenant, "add_member", group=name, email=email)

    def _leave(self, tenant: Tenant, key: str, name: str, email: str):
        if key == ADMIN_GROUP_KEY:
            return writes.command(self.client, tenant, "revoke_admin", email=email)
        return writes.command(self.client, tenant, "remove_member", group=name, email=email)


def as_resource(model: type[Group], group: scim_groups.ScimGroup, base_url: str) -> Group:
    members = [{"value": member.email_key, "type": "User",
                "$ref": f"{base_url}/Users/{quote(member.email_key, safe='@+')}"} for member in group.members]
    return model.model_validate({
        "schemas": [GROUP_SCHEMA], "id": str(group.id), "displayName": group.name, "externalId": group.external_id,
        "members": members or None,
        "meta": {"resourceType": "Group", "created": group.created_at.isoformat(),
                 "lastModified": group.created_at.isoformat(), "version": _version(group)}})


def _version(group: scim_groups.ScimGroup) -> str:
    members = ",".join(f"{member.email_key}{'?' if member.pending else ''}" for member in group.members)
    seen = "\x1f".join((group.name, group.external_id or "", members))
    return f'W/"{hashlib.sha256(seen.encode()).hexdigest()[:16]}"'


def _uuid(resource_id: str) -> UUID | None:
    try:
        return UUID(resource_id)
    except ValueError:
        return None
