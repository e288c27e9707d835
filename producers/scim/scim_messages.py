"""What envadmin's SCIM tenants say in an error's `detail`, in the language of the request's Accept-Language
(the tenant's `language`): a rule of the accounts refusing a change says it in its own words (domain.said), the
tenants' own refusals with the codes registered here. scim2-server's protocol errors (a bad filter, a malformed
PATCH, an unknown attribute) keep the library's English: it writes them itself."""
from __future__ import annotations

from domain.said import MESSAGES, N_, said
from languages import reader
from producers.scim.tenant_context import Tenant

SCIM_MESSAGES = {
    "scim.user.none": N_("no user {user} in account {account}"),
    "scim.group.none": N_("no group {group} in account {account}"),
    "scim.user_name.taken": N_("userName {user_name} is taken in account {account}"),
    "scim.email.immutable": N_("the email of a user cannot change; create another user instead"),
    "scim.email.none": N_("userName is not an email and no emails[].value gives one: a user is known by email"),
    "scim.names.required": N_("name.givenName and name.familyName are required"),
    "scim.member.invalid": N_(
        "member {member} is no user of account {account} and not an email: a member is a user's id (their email) "
        "or an email to invite"),
    "scim.version.user": N_("the user is at version {version}"),
    "scim.version.group": N_("the group is at version {version}"),
    "scim.not_applied": N_(
        "command {command} is queued: no worker applied it within {seconds} s; it will be applied, read the "
        "resource again later"),
}
MESSAGES.update(SCIM_MESSAGES)


def detail(tenant: Tenant, code: str, **params: object) -> str:
    """The message of `code` as the tenant's request reads it."""
    return said(code, **params).text(reader(tenant.language))
