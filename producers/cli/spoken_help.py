"""--help in the CLI's language. Typer takes the help texts when the verbs are declared, in English, as the source
marks them (N_); `spoken` gives them the CLI's language on the command Typer builds for each run, once the language
is known (speech.language(): read from the environment of the run, never at import).

Typer adds words of its own. Those it looks up with the standard library's gettext (`Options`, `Commands`,
`[required]`, `No such command`) are found in envadmin's catalogues once `library_words` binds gettext's default
domain, "messages", to them (typer_words.py marks those texts); gettext picks the language from the same variables
as speech.language(). Those of the Click Typer carries within it have no gettext: `spoken` gives the usage line's
`Usage:` and --help's own help in the CLI's language, usage_errors.py the usage errors."""
from __future__ import annotations

import gettext
from typing import Callable

from typer import rich_utils
from typer._click.core import Command, Context
from typer._click.formatting import HelpFormatter

from languages import DOMAIN, LOCALE_DIR
from producers.cli.speech import N_, Term, _, language

_FILLED: dict[str, tuple[str, dict]] = {}  # a help text with placeholders, in English -> its template and values


def filled(template: str, **params: str | Term | Callable[[str], str]) -> str:
    """A help text whose placeholders take values: the English Typer is given. A Term is translated with the text,
    a function of the language (called when the help is shown) gives its value in that language."""
    english = template % _values(params, "en", lambda text: text)
    _FILLED[english] = (template, params)
    return english


def _values(params: dict, spoken: str, translate: Callable[[str], str]) -> dict:
    return {name: translate(value) if isinstance(value, Term) else value(spoken) if callable(value) else value
            for name, value in params.items()}


def in_language(text: str | None) -> str | None:
    """A help text in the CLI's language."""
    if not text:
        return text  # gettext of "" is the catalogue's header
    if text in _FILLED:
        template, params = _FILLED[text]
        return _(template) % _values(params, language(), _)
    return _(text)


class _Formatter(HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, _(N_("Usage: ")) if prefix is None else prefix)


class _Context(Context):
    formatter_class = _Formatter


def spoken(command: Command) -> Command:
    """`command`, its parameters and subcommands, with their help texts in the CLI's language."""
    command.context_class = _Context
    help_option = command.get_help_option(_Context(command))  # made once, then kept by the command
    if help_option is not None:
        help_option.help = _(N_("Show this message and exit."))
    command.help = in_language(command.help)
    command.short_help = in_language(command.short_help)
    command.epilog = in_language(command.epilog)
    for param in command.params:
        if getattr(param, "help", None):
            param.help = in_language(param.help)
    for sub in getattr(command, "commands", {}).values():
        spoken(sub)
    return command


def library_words() -> None:
    """Click's and Typer's own words in the language of the environment, from envadmin's catalogues."""
    gettext.textdomain(DOMAIN)
    gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    # Typer reads these once, when rich_utils is imported: in a process forked after that import (the e2e tests'
    # fork server), before the environment of the run is known.
    for name, text in (("DEPRECATED_STRING", "(deprecated) "), ("DEFAULT_STRING", "[default: {}]"),
                       ("ENVVAR_STRING", "[env var: {}]"), ("REQUIRED_LONG_STRING", "[required]"),
                       ("ARGUMENTS_PANEL_TITLE", "Arguments"), ("OPTIONS_PANEL_TITLE", "Options"),
                       ("COMMANDS_PANEL_TITLE", "Commands"), ("ERRORS_PANEL_TITLE", "Error"),
                       ("ABORTED_TEXT", "Aborted."), ("RICH_HELP", "Try [blue]'{command_path} {help_option}'[/] for help.")):
        setattr(rich_utils, name, gettext.gettext(text))
