"""A usage error (a missing or unknown option or argument, a bad value, an extra argument) in the CLI's language.
Typer writes these messages itself, in English and without gettext; what each one says is in the exception's fields
(the parameter, the option typed, pydantic's error for a value), so the CLI says it again in its own words. A message
it does not know is Typer's, as it is, and so is every message in English."""
from __future__ import annotations

import re

from pydantic import ValidationError
from typer._click.exceptions import BadOptionUsage, BadParameter, MissingParameter, NoSuchOption, UsageError

from domain.validation import what_is_wrong
from languages import ENGLISH
from producers.cli.speech import N_, _, language, told

_MISSING = {"option": N_("Missing option %(name)s."), "argument": N_("Missing argument %(name)s."),
            "parameter": N_("Missing parameter %(name)s.")}
_EXTRA = re.compile(r"Got unexpected extra argument(?:\(s\)|s)? \((?P<args>.*)\)", re.S)
_SUGGESTED = re.compile(r"(?P<problem>.*)\. Did you mean (?P<close>.*)\?", re.S)  # after "No such command"
_NEEDS_VALUE = re.compile(r"Option (?P<name>'.*') requires (an argument|(?P<count>\d+) arguments)\.", re.S)
_VALUE_PROBLEMS = {"int_parsing": N_("not a whole number"), "float_parsing": N_("not a number"),
                   "greater_than_equal": N_("must be at least %(limit)s"),
                   "less_than_equal": N_("must be at most %(limit)s")}


def in_language(error: UsageError) -> str:
    """What `error` says, in the CLI's language; in English, as Typer says it."""
    if language() == ENGLISH:
        return error.format_message()
    if isinstance(error, MissingParameter):
        kind = error.param_type or (error.param.param_type_name if error.param else "parameter")
        return _(_MISSING.get(kind, _MISSING["parameter"])) % {"name": _hint(error)}
    if isinstance(error, BadParameter):
        hint = _hint(error)
        problem = _value_problem(error)
        if not hint:
            return _("Invalid value: %(problem)s") % {"problem": problem}
        return _("Invalid value for %(name)s: %(problem)s") % {"name": hint, "problem": problem}
    if isinstance(error, NoSuchOption):
        said = _("No such option: %(name)s") % {"name": error.option_name}
        if error.possibilities:
            said = _("%(problem)s (possible options: %(options)s)") % {
                "problem": said, "options": ", ".join(sorted(error.possibilities))}
        return said
    message = error.format_message()
    if isinstance(error, BadOptionUsage) and (needs := _NEEDS_VALUE.fullmatch(message)):
        if needs["count"]:
            return _("Option %(name)s requires %(count)s values.") % {"name": needs["name"], "count": needs["count"]}
        return _("Option %(name)s requires a value.") % {"name": needs["name"]}
    if extra := _EXTRA.fullmatch(message):
        return _("Unexpected extra argument: %(arguments)s") % {"arguments": extra["args"]}
    if suggested := _SUGGESTED.fullmatch(message):  # its "No such command" is in the CLI's language already
        return _("%(problem)s. Did you mean %(close)s?") % {"problem": suggested["problem"], "close": suggested["close"]}
    return message


def _hint(error: BadParameter) -> str:
    hint = error.param_hint if error.param_hint is not None else (
        error.param.get_error_hint() if error.param is not None else None)
    if isinstance(hint, (list, tuple)):
        return " / ".join(repr(part) for part in hint)
    return hint or ""


def _value_problem(error: BadParameter) -> str:
    """What is wrong with the value: pydantic's check, when Typer's conversion is what failed."""
    cause = error.__cause__
    if not isinstance(cause, ValidationError) or not cause.errors():
        return error.message
    problem = cause.errors(include_url=False)[0]
    kind, context = problem["type"], problem.get("ctx") or {}
    if kind in _VALUE_PROBLEMS:
        limit = context.get("ge", context.get("le"))
        return _(_VALUE_PROBLEMS[kind]) % {"limit": limit} if limit is not None else _(_VALUE_PROBLEMS[kind])
    return told(what_is_wrong(problem))
