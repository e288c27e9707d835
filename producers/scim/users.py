"""An account's users as SCIM User resources (RFC 7643 §4.1), over the store, for scim2-server.

Reads come from the account's directory (store.reads.directory). Writes are commands, issued by the key's person
with source `scim` and journalled like every producer's, so the handlers authorize and audit them as any other:
a create is an `add_user` (an activation mail unless the provider sends a password), `active: false` a
`disable_user`, a change of name a `rename_user`, a delete a `remove_user`. SCIM answers with the resource as
it stands once applied, so a write waits for its commands' outcome; a refusal is answered as a SCIM error.

A user's id is their email key (the email in normal form), which does not change. A provider's userName that is
not an email (an Entra user principal name, an id) is kept beside it, and the email is then the primary one of
`emails`; the externalId is kept too (store.provider_ids).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from scim2_models import MutabilityException, NotFoundException, SCIMException, SearchRequest, UniquenessException, User
from scim2_server.storage import SearchPage

from domain.model import email_key
from domain.passwords import hash_password
from producers.scim import writes
from producers.scim.scim_messages import detail
from producers.scim.search_pages import equality, page_of
from producers.scim.tenant_context import current_tenant
from producers.services.apply_here import AppliedHere
from producers.services.client import Client
from store.provider_ids import link_provider_ids
from store.reads import directory

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"


@dataclass
class UserStore:
    """The sync side of the SCIM storage of users: every method runs in a worker thread of the app. `model`: the
    provider's User model (with the extensions its schemas publish), which every resource given back is of."""

    client: Client
    model: type[User]
    here: AppliedHere  # applies its writes

    # -- reads ----------------------------------------------------------------------------------
    def get(self, resource_id: str) -> User:
        tenant = current_tenant()
        found = directory.account_user(self.client.engine, tenant.account, resource_id, self.client.clock.now())
        if found is None:
            raise NotFoundException(detail=detail(tenant, "scim.user.none", user=resource_id, account=tenant.account))
        return as_resource(self.model, found)

    def search(self, search_request: SearchRequest[Any]) -> SearchPage:
        tenant = current_tenant()
        now = self.client.clock.now()
        if search_request.filter is None and search_request.sort_by is None:  # Okta's import pages through all
            total, found = directory.users_at(self.client.engine, tenant.account, now,
                                              search_request.start_index_0 or 0, search_request.count)
            return SearchPage(total, [as_resource(self.model, user) for user in found])
        looked_up = equality(search_request, ("username", "externalid"))
        if looked_up is not None:
            attribute, value = looked_up
            found = self._by_user_name(tenant.account, value, now) if attribute == "username" else \
                directory.by_provider_id(self.client.engine, tenant.account, now, external_id=value)
            candidates = [as_resource(self.model, found)] if found is not None else []
        else:
            candidates = [as_resource(self.model, user)
                          for user in directory.users_at(self.client.engine, tenant.account, now, 0, None)[1]]
        return page_of(candidates, search_request)

    def _by_user_name(self, account: str, user_name: str, now) -> directory.DirectoryUser | None:
        kept = directory.by_provider_id(self.client.engine, account, now, user_name=user_name)
        if kept is not None or "@" not in user_name:
            return kept
        found = directory.account_user(self.client.engine, account, user_name, now)
        return found if found is not None and found.user_name is None else None

    # -- writes ---------------------------------------------------------------------------------
    def create(self, resource: User) -> User:
        tenant = current_tenant()
        email = _email_of(resource)
        user_name = _kept_user_name(resource.user_name, email)
        if user_name is not None and self._by_user_name(tenant.account, user_name, self.client.clock.now()):
            raise UniquenessException(detail=detail(tenant, "scim.user_name.taken", user_name=user_name,
                                                    account=tenant.account))
        first, last = _names(resource)
        how = {"password_hash": hash_password(resource.password), "password_expired": False} \
            if resource.password else {"activation": "mail"}
        commands = [writes.command(self.client, tenant, "add_user", email=email, first_name=first, last_name=last,
                                   **how)]
        if resource.active is False:
            commands.append(writes.command(self.client, tenant, "disable_user", email=email))
        writes.apply(self.here, tenant, commands, exists_is_conflict=True)
        if (resource.external_id, user_name, resource.display_name) != (None, None, None):
            link_provider_ids(self.client.engine, tenant.account, email, resource.external_id, user_name,
                              resource.display_name)
        return self.get(email_key(email))

    def update(self, resource: User, expected_version: str | None) -> User:
        tenant = current_tenant()
        stored = self.get(resource.id or "")
        writes.check_version(stored, expected_version, "user")
        email = stored.emails[0].value
        if resource.user_name is not None and "@" in resource.user_name and resource.user_name.casefold() != \
                stored.user_name.casefold() and email_key(resource.user_name) != stored.id:
            raise MutabilityException(detail=detail(tenant, "scim.email.immutable"))
        user_name = _kept_user_name(resource.user_name or stored.user_name, email)
        if user_name is not None:
            holder = self._by_user_name(tenant.account, user_name, self.client.clock.now())
            if holder is not None and holder.email_key != stored.id:
                raise UniquenessException(detail=detail(tenant, "scim.user_name.taken", user_name=user_name,
                                                        account=tenant.account))
        commands = []
        first, last = _names(resource, stored)
        if (first, last) != (stored.name.given_name, stored.name.family_name):
            commands.append(writes.command(self.client, tenant, "rename_user", email=email, first_name=first,
                                           last_name=last))
        active = stored.active if resource.active is None else resource.active
        if active != stored.active:
            commands.append(writes.command(self.client, tenant, "enable_user" if active else "disable_user",
                                           email=email))
        if resource.password:  # the identity provider's password sync: the person's own password, not expired
            commands.append(writes.command(self.client, tenant, "reset_password", email=email,
                                           password_hash=hash_password(resource.password), password_expired=False))
        writes.apply(self.here, tenant, commands)
        if (resource.external_id, user_name, resource.display_name) != \
                (stored.external_id, _kept_user_name(stored.user_name, email), stored.display_name):
            link_provider_ids(self.client.engine, tenant.account, email, resource.external_id, user_name,
                              resource.display_name)
        return self.get(stored.id)

    def delete(self, resource_id: str, expected_version: str | None) -> None:
        tenant = current_tenant()
        stored = self.get(resource_id)
        writes.check_version(stored, expected_version, "user")
        writes.apply(self.here, tenant, [writes.command(self.client, tenant, "remove_user",
                                                          email=stored.emails[0].value)])


def as_resource(model: type[User], user: directory.DirectoryUser) -> User:
    return model.model_validate({
        "schemas": [USER_SCHEMA], "id": user.email_key, "userName": user.user_name or user.email,
        "externalId": user.external_id, "displayName": user.display_name,
        "name": {"givenName": user.first_name, "familyName": user.last_name},
        "active": user.state != directory.DISABLED,
        "emails": [{"value": user.email, "type": "work", "primary": True}],
        "meta": {"resourceType": "User", "created": user.added_at.isoformat(),
                 "lastModified": (user.disabled_at or user.added_at).isoformat(), "version": _version(user)}})


def _version(user: directory.DirectoryUser) -> str:
    seen = "\x1f".join(str(part) for part in (user.email, user.first_name, user.last_name,
                                              user.state == directory.DISABLED, user.external_id,
                                              user.user_name, user.display_name))
    return f'W/"{hashlib.sha256(seen.encode()).hexdigest()[:16]}"'


def _email_of(resource: User) -> str:
    """The person's email: userName when it is one (Okta's, most often), else the primary (or first) of emails."""
    if resource.user_name and "@" in resource.user_name:
        return resource.user_name
    emails = sorted(resource.emails or [], key=lambda email: getattr(email, "primary", None) is not True)
    if emails and emails[0].value:
        return emails[0].value
    raise SCIMException(detail=detail(current_tenant(), "scim.email.none"))


def _kept_user_name(user_name: str | None, email: str) -> str | None:
    """The provider's userName where it is not the email (the one that is needs no keeping)."""
    return None if user_name is None or user_name.casefold() == email.casefold() else user_name


def _names(resource: User, stored: User | None = None) -> tuple[str, str]:
    """First and last name (the schema requires them; a PATCH that leaves them out keeps the stored ones)."""
    given = resource.name.given_name if resource.name else None
    family = resource.name.family_name if resource.name else None
    if stored is not None:
        given, family = given or stored.name.given_name, family or stored.name.family_name
    if not given or not family:
        raise SCIMException(detail=detail(current_tenant(), "scim.names.required"))
    return given, family

