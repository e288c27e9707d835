"""Turns pydantic validation errors into messages naming each bad field (domain.said), so each reader reads them in
their language: a rule's own message is the one it raised (pydantic keeps the exception in the error's context);
pydantic's checks of presence, unknown fields, types and sizes have codes of their own (every one a command's
fields can fail: tests/unit/test_field_messages.py tries them); any other is its English text."""
from __future__ import annotations

from pydantic import ValidationError

from domain.commands import COMMAND_TYPES
from domain.field_messages import Said, field_label, problem_list, problem_of, said
from domain.said import ENGLISH, Reader

_OWN_WORDS = {"missing": "field.required", "extra_forbidden": "field.unknown", "string_type": "value.string_type",
              "bool_type": "value.bool", "bool_parsing": "value.bool_parsing", "uuid_type": "value.uuid",
              "uuid_parsing": "value.uuid", "uuid_version": "value.uuid", "int_type": "value.int",
              "int_parsing": "value.int", "int_from_float": "value.int", "int_parsing_size": "value.int_too_large",
              "dict_type": "value.object", "model_type": "value.object", "model_attributes_type": "value.object",
              "list_type": "value.list", "datetime_type": "value.datetime", "datetime_parsing": "value.datetime",
              "datetime_from_date_parsing": "value.datetime", "timezone_aware": "value.timezone_aware",
              "float_type": "value.float", "float_parsing": "value.float_parsing"}
# pydantic's checks of a bound: (its context's key, the code)
_BOUNDS = {"greater_than_equal": ("ge", "value.at_least"), "greater_than": ("gt", "value.more_than"),
           "less_than_equal": ("le", "value.at_most"), "less_than": ("lt", "value.less_than")}
# pydantic's checks of a size, with the size they expect: (its context's key, the code of each kind of value)
_SIZES = {"string_too_short": ("min_length", "value.string_too_short"),
          "string_too_long": ("max_length", "value.string_too_long"),
          "too_short": ("min_length", "value.list_too_short"), "too_long": ("max_length", "value.list_too_long")}


def describe(error: ValidationError, reader: Reader = ENGLISH) -> str:
    """One line per problem, in the reader's language: the field, then what is wrong with it."""
    return problem_list(problems(error)).text(reader)


def problems(error: ValidationError) -> list[Said]:
    """Each problem as a message: "{field}: {problem}", or a check of the whole command's own message."""
    return [message for _field, message in located_problems(error)]


def located_problems(error: ValidationError) -> list[tuple[str | None, Said]]:
    """Each problem with the field it is about (None for a check of the whole command, whose message names the
    fields): "{field}: {problem}", or the check's own message."""
    found: list[tuple[str | None, Said]] = []
    for problem in error.errors(include_url=False):
        field = field_of(problem)
        if field is None:
            found.append((None, what_is_wrong(problem)))
        else:
            found.append((field, said("field.problem", field=field_label(field), problem=what_is_wrong(problem))))
    return found


def field_of(problem: dict) -> str | None:
    """The field a problem is about ("admin_email", "input" for a value alone); None for a check of a whole
    command."""
    location = [str(part) for part in problem["loc"] if not isinstance(part, int)]
    if len(location) > 1 and location[0] in _KNOWN_TYPES:
        location = location[1:]
    if len(location) == 1 and location[0] in _KNOWN_TYPES and problem["type"] == "value_error":
        return None
    return ".".join(location) or "input"


def what_is_wrong(problem: dict) -> Said:
    """What is wrong with the field, without its name."""
    kind, context = problem["type"], problem.get("ctx") or {}
    if kind == "value_error" and isinstance(context.get("error"), ValueError):
        return problem_of(context["error"])
    if kind in _OWN_WORDS:
        return said(_OWN_WORDS[kind])
    if kind == "literal_error" and "expected" in context:
        return said("value.literal", expected=context["expected"])
    if kind in _SIZES and _SIZES[kind][0] in context:
        return said(_SIZES[kind][1], count=context[_SIZES[kind][0]])
    if kind in _BOUNDS and _BOUNDS[kind][0] in context:
        bound = context[_BOUNDS[kind][0]]
        return said(_BOUNDS[kind][1], bound=int(bound) if isinstance(bound, float) and bound.is_integer() else bound)
    return said("text", text=problem["msg"].removeprefix("Value error, "))


_KNOWN_TYPES = frozenset(COMMAND_TYPES)  # pydantic puts the type first in the location of a union member's error
