"""The role an invite mail offers, in the mail's language.

The rules name it in English (domain.invitations.mail_role: "Account Administrator", 'a member of group "Sales"',
several joined by " and "); that is the English mail's text as it is. Another language's mail reads the role
back part by part and says each part in that language; a role in another shape stays as the rules wrote it.
"""
from __future__ import annotations

import re
from gettext import NullTranslations

from babel.lists import format_list

from languages import ENGLISH

ADMINISTRATOR = "Account Administrator"
MEMBER = re.compile(r'a member of group ("[^"]*")')
UNNAMED_MEMBER = "a member of group (its name is not shown)"
USER = "a user"
_PART = re.compile(rf'{ADMINISTRATOR}|{MEMBER.pattern}|{re.escape(UNNAMED_MEMBER)}|{USER}')


def role_in(role: str, language: str, catalogue: NullTranslations) -> str:
    """`role` as a mail in `language` names it (the catalogue of that language)."""
    if language == ENGLISH:
        return role
    _ = catalogue.gettext
    parts, position = [], 0
    for found in _PART.finditer(role):
        separator = role[position:found.start()]
        if separator != ("" if not parts else " and "):
            return role
        position = found.end()
        part = found.group(0)
        if part == ADMINISTRATOR:
            parts.append(_("Account Administrator"))
        elif part == UNNAMED_MEMBER:
            parts.append(_("a member of a group whose name is not shown"))
        elif part == USER:
            parts.append(_("a user"))
        else:
            parts.append(_("a member of group %(group)s") % {"group": found.group(1)})
    if not parts or position != len(role):
        return role
    return format_list(parts, locale=language)
