"""The role an invite mail offers ("… to Acme (account 1001) as <role>"), as a message of domain.said: each
role a sentence of its own code, several joined as a list, so the mail and the sealed envelope say it in their
reader's language ("Account Administrator and a member of group "Sales"" / « Administrateur du compte et membre
du groupe "Sales" »)."""
from __future__ import annotations

from collections.abc import Iterable

from domain.mail_names import quoted_for_mail
from domain.model import Group
from domain.said import MESSAGES, N_, Said, said

ROLE_MESSAGES = {
    "role.admin": N_("Account Administrator"),
    "role.member": N_("a member of group {group}"),
    "role.member.unnamed": N_("a member of a group whose name is not shown"),
    "role.user": N_("a user"),
    "role.to_activate": N_("a new user, to activate"),
    "role.two": N_("{first} and {last}"),
    "role.more": N_("{first}, {rest}"),
}
MESSAGES.update(ROLE_MESSAGES)

ACTIVATION_ROLE = said("role.to_activate")  # a mail with no grant, to a user who has no password yet
USER_ROLE = said("role.user")


def mail_role(group: Group) -> Said:
    """The role that membership of the group gives; a group's name as a mail may quote it."""
    if group.is_builtin:
        return said("role.admin")
    quoted = quoted_for_mail(group.name)
    return said("role.member", group=quoted) if quoted else said("role.member.unnamed")


def roles_named(roles: Iterable[Said]) -> Said | None:
    """Several roles as one: "A and B", "A, B and C" (each language joins them its way); None for none."""
    listed = sorted(roles)
    if not listed:
        return None
    joined = listed[-1] if len(listed) == 1 else said("role.two", first=listed[-2], last=listed[-1])
    for role in reversed(listed[:-2]):
        joined = said("role.more", first=role, rest=joined)
    return joined
