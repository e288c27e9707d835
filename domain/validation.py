"""Turns pydantic validation errors into one sentence naming each bad field."""
from __future__ import annotations

from pydantic import ValidationError

from domain.commands import COMMAND_TYPES

_OPTION_NAMES = {"email": "email", "admin_email": "admin email", "first_name": "first name",
                 "last_name": "last name", "account": "account number", "new_name": "new name"}


def describe(error: ValidationError) -> str:
    """One line per problem: the field, then what is wrong with it."""
    lines = []
    for problem in error.errors(include_url=False):
        location = [str(part) for part in problem["loc"] if not isinstance(part, int)]
        if len(location) > 1 and location[0] in _KNOWN_TYPES:
            location = location[1:]
        field = ".".join(location) or "input"
        label = _OPTION_NAMES.get(field, field)
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "missing":
            message = "is required"
        elif problem["type"] == "extra_forbidden":
            message = "is not a known field"
        if len(location) == 1 and location[0] in _KNOWN_TYPES and problem["type"] == "value_error":
            lines.append(message)  # a check of the whole command (its message names the fields)
        else:
            lines.append(f"{label}: {message}")
    return "; ".join(lines)


_KNOWN_TYPES = frozenset(COMMAND_TYPES)  # pydantic puts the type first in the location of a union member's error
