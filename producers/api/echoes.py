"""How much of what a client sent an API error message repeats: enough to recognise it, never a flood of it."""
from __future__ import annotations

import reprlib

from domain.field_messages import Said, said

ECHO_LIMIT = 80  # characters of a submitted value an error message repeats, then "…"
MAX_LISTED = 10  # unknown field names an error lists, then how many more
_bounded = reprlib.Repr()
_bounded.maxlevel, _bounded.maxstring, _bounded.maxother = 2, ECHO_LIMIT, ECHO_LIMIT


def shown(value: object) -> str:
    """A value as an error message may echo it: a repr of at most ECHO_LIMIT characters of it, then "…"."""
    if not isinstance(value, str):
        return _bounded.repr(value)  # nested lists and objects are cut too, however deep
    if len(value) <= ECHO_LIMIT:
        return repr(value)
    head = repr(value[:ECHO_LIMIT])
    return f"{head[:-1]}…{head[-1]}"


def without_long_echoes(message: str, values: list[object]) -> str:
    """The message with each long value it repeats (as a repr, maybe stripped) shortened by `shown`; a message of
    the rules (domain.said) keeps its codes, each of its parameters shortened so."""
    if isinstance(message, Said):
        return Said(tuple((code, {name: without_long_echoes(value, values) if isinstance(value, str) else value
                                  for name, value in params.items()}) for code, params in message.sentences))
    for value in values:
        if isinstance(value, str) and len(value) > ECHO_LIMIT:
            for form in {value, value.strip()}:
                message = message.replace(repr(form), shown(form))
    return message


def unknown_fields(names: list[str]) -> list[Said]:
    """One problem per unknown field name, for the first few; names shortened, control characters escaped."""
    problems = [said("field.problem", field=said("text", text=_name(name)), problem=said("field.unknown"))
                for name in names[:MAX_LISTED]]
    if len(names) > MAX_LISTED:
        problems.append(said("field.unknown.more", count=len(names) - MAX_LISTED))
    return problems


def _name(name: str) -> str:
    return name if len(name) <= ECHO_LIMIT and name.isprintable() else shown(name)
