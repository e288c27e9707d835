"""envadmin audit: an account's audit trail, newest first: who did what, when, from where."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from producers.cli.context import CLOCK, SINCE, Json, fail, print_json, print_lines
from producers.cli.memberships import existing_account
from producers.cli.speech import N_, Term, language
from producers.cli.spoken_help import filled
from producers.cli.views import audit_lines
from producers.services.audit_filters import audit_filter
from store.reads.audit_trail import each_entry

MAX_LIMIT = 100_000


def audit(account: Annotated[str, typer.Option("--account", help=N_("Account number."))],
          actor: Annotated[Optional[str], typer.Option("--actor", help=N_("Only what this email did."))] = None,
          action: Annotated[Optional[str], typer.Option("--action", help=N_("Only this action (user.added, …)."))] = None,
          since: Annotated[Optional[str], typer.Option("--since", help=filled(N_("Only from then on: %(since)s."), since=Term(SINCE)))] = None,
          limit: Annotated[int, typer.Option("--limit", min=1, max=MAX_LIMIT, help=N_("How many, newest first."))] = 50,
          as_json: Json = False) -> None:
    try:
        wanted = audit_filter(actor, action, since, CLOCK.now())
    except ValueError:
        fail(N_("--since: %(since)r is not a time: expected %(expected)s"), since=since.strip(), expected=Term(SINCE))
    account = account.strip()
    engine = existing_account(account)
    entries = list(each_entry(engine, account, wanted, limit=limit + 1))
    more = len(entries) > limit
    entries = [entry.in_language(language()) for entry in entries[:limit]]
    if as_json:
        print_json({"account": account, "entries": [e.as_dict() for e in entries], "more": more})
        return
    print_lines(audit_lines(entries, more))
