"""The texts Typer looks up with the standard library's gettext (--help's headings, "No such command"), exactly as
it writes them: marked here so `make messages` puts them in envadmin's catalogues, where
spoken_help.library_words() lets Typer find them. Nothing calls this module; a test checks that each text is still
one Typer writes. The texts of the Click that Typer carries within it have no gettext: usage_errors.py and
spoken_help.py say those again."""
from __future__ import annotations

from producers.cli.speech import N_

WORDS = (
    N_("Arguments"), N_("Options"), N_("Commands"), N_("[default: {}]"), N_("[required]"), N_("[env var: {}]"),
    N_("(deprecated) "), N_("default: {default}"), N_("required"), N_("env var: {var}"), N_("(dynamic)"),
    N_("Error"), N_("Try [blue]'{command_path} {help_option}'[/] for help."), N_("Missing command."),
    N_("No such command {name!r}."), N_("Aborted!"), N_("Aborted."),
)
