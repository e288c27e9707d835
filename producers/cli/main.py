"""The envadmin command: assembles the verbs and turns failures into clear messages."""
from __future__ import annotations

import logging
import os
import sys

import typer
from sqlalchemy.exc import OperationalError
from typer import rich_utils
from typer._click.exceptions import UsageError

from config.settings import MasterKeyError, SettingsError
from config.texts import Text, joined
from domain.master_keys import WrongMasterKey
from domain.validation import what_is_wrong
from producers.cli import (
    api_key_verbs,
    audit_verbs,
    dead_letter_verbs,
    health,
    invites,
    job_verbs,
    keys,
    memberships,
    ops_verbs,
    password_verbs,
    people_verbs,
    retention_verbs,
    serve,
    usage_errors,
    user_verbs,  # noqa: F401  (its verbs join `user`)
    worker,
)
from producers.cli.context import EXIT_REFUSED, fail, json_requested
from producers.cli.speech import N_
from producers.cli.spoken_help import library_words, spoken

app = typer.Typer(help=N_("envadmin: manage the administrators of encrypted-mail accounts."),
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
app.add_typer(people_verbs.account_app, name="account")
app.add_typer(people_verbs.user_app, name="user")
app.add_typer(memberships.admin_app, name="admin")
app.add_typer(memberships.group_app, name="group")
app.add_typer(ops_verbs.command_app, name="command")
app.add_typer(ops_verbs.db_app, name="db")
app.add_typer(invites.invite_app, name="invite")
app.add_typer(invites.envelope_app, name="envelope")
app.command("register", help=N_(
    "Register with an invite's token: the user is created (or activated, or claimed from whoever created "
    "it unproven: the password given becomes its password) and every pending grant retried."))(invites.register)
app.command("login", help=N_(
    "Check a password; a temporary one is refused with \"password change required\"."))(password_verbs.login)
app.add_typer(password_verbs.password_app, name="password")
app.command("onboard", help=N_(
    "Apply a file of rows (action, account, email, ...) as one job; prints its id at once."))(job_verbs.onboard)
app.add_typer(job_verbs.job_app, name="job")
app.command("status", help=N_(
    "Where the store and broker are, queue depth, commands by status, dead letters; --watch: every "
    "figure, live."))(ops_verbs.status)
app.command("audit", help=N_(
    "Who did what in an account, when, and from where (cli, api, job, web), newest first."))(audit_verbs.audit)
app.command("prune", help=N_(
    "Remove what is past its retention (ENVADMIN_*_RETENTION_DAYS) and nothing that an unfinished command, a "
    "pending grant, an open invite, a running job or an unsent mail needs; print how many rows of each table "
    "went."))(retention_verbs.prune_verb)
app.command("archive", help=N_(
    "Write finished jobs, commands and audit entries from before DATE to FILE (before the prune removes them), "
    "or load such a FILE into a store to audit it."))(retention_verbs.archive_verb)
app.add_typer(dead_letter_verbs.dead_letters_app, name="dead-letters")
app.command("worker", help=N_(
    "Run a worker that applies submitted commands (and the relay, unless --no-relay)."))(worker.worker)
app.command("beat", help=N_("Run beat alone: it schedules the relay and periodic jobs for the workers."))(worker.beat)
app.command("intake", help=N_(
    "Take the requests upstream systems publish on the broker (ENVADMIN_REQUESTS_QUEUE), answering each "
    "on its reply_to as the HTTP API would."))(worker.intake)
app.add_typer(health.health_app, name="health")
app.command("web", help=N_(
    "Serve the web pages (the invitee's registration link, sign-in, envelopes) and the HTTP API."))(serve.web)
app.command("api", help=N_(
    "Serve the HTTP API alone (Authorization: Bearer <key> of `envadmin api-key create`), without the "
    "pages."))(serve.api)
app.add_typer(keys.keys_app, name="keys")
app.add_typer(api_key_verbs.api_key_app, name="api-key")


@app.command("demo", help=N_("The whole story on the embedded default: a worker, an account, admins, refusals."))
def demo() -> None:
    from producers.demo.story import run_demo  # imported on use: it starts processes

    raise typer.Exit(run_demo())


def run() -> None:
    """Entry point: no traceback for a user, a clear sentence instead (one JSON object with --json)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("alembic", "kombu"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    library_words()
    try:
        code = spoken(typer.main.get_command(app))(standalone_mode=False)
    except typer.Abort:
        sys.exit(130)
    except typer.TyperException as e:  # a usage error: its message names the argument or option
        if not json_requested():
            if isinstance(e, UsageError):  # as Typer shows it, in the CLI's language: the message, the help to read
                e = UsageError(usage_errors.in_language(e), e.ctx)
            rich_utils.rich_format_error(e)
            sys.exit(e.exit_code)
        _exit_with(e.format_message(), e.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except OperationalError as e:
        _exit_with(N_("cannot use the database: %(problem)s"), EXIT_REFUSED, problem=e.orig)
    except (MasterKeyError, WrongMasterKey, SettingsError) as e:  # names the setting or key id, never a secret
        _exit_with(setting_problem(e), EXIT_REFUSED)
    except Exception as e:  # the last guard: a bug must still not print a traceback to users
        # Read here, not from the settings: this error may be the settings failing to load.
        if os.environ.get("ENVADMIN_DEBUG"):
            raise
        _exit_with(N_("internal error: %(error)s: %(problem)s (set ENVADMIN_DEBUG=1 for details)"), EXIT_REFUSED,
                   error=type(e).__name__, problem=e)
    sys.exit(code if isinstance(code, int) else 0)


def setting_problem(error: MasterKeyError | WrongMasterKey | SettingsError) -> str:
    """What is wrong with a setting or a master key, as a message the CLI shows in its language: each of the
    settings' problems as config words it, or pydantic's own check of a value as domain.validation words it."""
    if isinstance(error, SettingsError):
        return joined([Text(N_("%(variable)s: %(problem)s"), variable=found[0], problem=what_is_wrong(found[1]))
                       if isinstance(found, tuple) else found for found in error.problems])
    if isinstance(error, MasterKeyError):
        return error.message
    return error.args[0] if error.args else str(error)


def _exit_with(message: str, code: int, **params) -> None:
    try:
        fail(message, code, **params)
    except typer.Exit as e:
        sys.exit(e.exit_code)
