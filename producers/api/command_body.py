"""What a client submits to POST /v1/commands, or publishes to the request queue, read and checked: one command
object, or {"commands": [...]}.

Each object is validated with the wire models; the server fills in id, issued_at and source ("api"), and the actor
when it is left out: the person the request's key acts as. A batch is taken whole or not at all: every bad object
is named by its index, with each of its bad fields (422); then every object its key may not submit, with what the
key lacks (403). An invalid object's error lists its `problems`, one per bad field, each with its field, code and
message; its own `code` and `message` are its first problem's code and every problem's message.
"""
from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from domain.api_keys import KeyRefused, KeyScope
from domain.clock import Clock
from domain.commands import API_SOURCE, COMMAND_TYPES, MODEL_OF_TYPE, Command
from domain.field_messages import Said, problem_list
from domain.validation import located_problems
from producers.api.echoes import MAX_LISTED, shown, unknown_fields, without_long_echoes
from producers.services.api_messages import said
from producers.services.client import new_command
from producers.services.refusal import Refused

MAX_COMMANDS = 1000
SOURCE = API_SOURCE

SERVER_ASSIGNED = ("id", "issued_at", "source")
_CLEAR_PASSWORD_FIELDS = ("password", "temporary_password")


def command_items(body: bytes) -> list[Any]:
    """The submitted command objects, in order: the body is one command or {"commands": [...]}."""
    return items_of(parsed_body(body))


def parsed_body(body: bytes) -> Any:
    """The body as JSON; Refused (422) if it is not."""
    try:
        return json.loads(body)
    except ValueError:
        raise _body_refused(said("body.not_json")) from None
    except RecursionError:
        raise _body_refused(said("body.too_nested")) from None


def items_of(payload: Any) -> list[Any]:
    """The command objects of a parsed body, in order: one command or {"commands": [...]}."""
    if not isinstance(payload, dict):
        raise _body_refused(said("body.not_command", shape='{"commands": [...]}'))
    if "commands" not in payload:
        return [payload]
    extra = sorted(set(payload) - {"commands"})
    if extra:
        raise Refused(422, [{"index": None, "message": problem} for problem in unknown_fields(extra)])
    items = payload["commands"]
    if not isinstance(items, list) or not items:
        raise _body_refused(said("body.commands_empty"))
    if len(items) > MAX_COMMANDS:
        raise _body_refused(said("body.too_many_commands", maximum=MAX_COMMANDS, count=len(items)))
    return items


def valid_commands(items: list[Any], clock: Clock, scope: KeyScope) -> list[Command]:
    """The items as commands issued at the clock's time, acting as the key's person where no actor is given, if every
    one is valid and within the key's scope; else Refused naming each bad item by its index: 422 for an invalid
    one, 403 for one the key may not submit (another account, another actor)."""
    commands, errors = [], []
    for index, item in enumerate(items):
        try:
            commands.append(_to_command(item, clock, scope.person))
        except _Invalid as e:
            errors.append({"index": index, "message": e.message, "problems": e.problems})
    if errors:
        raise Refused(422, errors)
    beyond = []
    for index, (item, command) in enumerate(zip(items, commands)):
        try:
            scope.actor_for(command.account, item.get("actor"))
        except KeyRefused as e:
            beyond.append({"index": index, "message": e.message})
    if beyond:
        raise Refused(403, beyond)
    return commands


def _body_refused(message: str) -> Refused:
    """A body refused as a whole: no one item is to blame."""
    return Refused(422, [{"index": None, "message": message}])


Problem = tuple[str | None, Said]  # the field it is about (None: the command as a whole), and what is wrong


class _Invalid(ValueError):
    """One command that cannot be submitted: the message names each bad field; `problems`, each one apart."""

    def __init__(self, problems: list[Problem]):
        self.message = problem_list([message for _field, message in problems])
        self.problems = [{"field": field, "message": message} for field, message in problems]
        super().__init__(self.message)


def _problem(field: str, problem: Said) -> Problem:
    """A problem with a field the API names as it is sent ("type", "account")."""
    return field, said("field.problem", field=said("text", text=field), problem=problem)


def _unknown(names: list[str]) -> list[Problem]:
    """A problem for each unknown field, the first few named (then how many more)."""
    return list(zip([*names[:MAX_LISTED], None], unknown_fields(names)))


def _to_command(item: Any, clock: Clock, person: str) -> Command:
    """Validate one submitted object with the wire models; the server fills id, issued_at (by `clock`), source, and
    the actor with `person` if none is given."""
    if not isinstance(item, dict):
        raise _Invalid([(None, _problem("input", said("value.command_object"))[1])])
    problems = [_problem(name, said("field.server_assigned")) for name in SERVER_ASSIGNED if name in item]
    problems += [_problem(name, said("field.clear_password")) for name in _CLEAR_PASSWORD_FIELDS if name in item]
    fields = {k: v for k, v in item.items() if k not in SERVER_ASSIGNED + _CLEAR_PASSWORD_FIELDS}
    type_, actor, account = fields.pop("type", None), fields.pop("actor", None), fields.pop("account", None)
    if type_ is None:
        problems.append(_problem("type", said("field.required")))
    elif type_ not in COMMAND_TYPES:  # a tuple: a submitted list or object is compared, not hashed
        problems.append(_problem("type", said("field.command_type", value=shown(type_),
                                              types=", ".join(COMMAND_TYPES))))
    if account is None:
        problems.append(_problem("account", said("field.required")))
    if type_ in COMMAND_TYPES:  # also report the model's own complaints in the same answer
        unknown = [name for name in fields if name not in MODEL_OF_TYPE[type_].model_fields]
        problems += _unknown(unknown)
        fields = {name: value for name, value in fields.items() if name not in unknown}
        try:
            command = new_command(type_, actor=actor if actor is not None else person, source=SOURCE,
                                  account=account if account is not None else "0", clock=clock, **fields)
        except ValidationError as e:
            echoed = [problem["input"] for problem in e.errors()]
            problems += [(field, without_long_echoes(problem, echoed)) for field, problem in located_problems(e)]
        except TypeError as e:  # a field name that is not a valid keyword (cannot happen from JSON)
            problems.append((None, _problem("input", said("text", text=str(e)))[1]))
    if problems:
        raise _Invalid(problems)
    return command
