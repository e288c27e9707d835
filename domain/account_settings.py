"""What an account's administrators (and support) set for the account as a whole: the language its mails are
written in when their reader's own is not known."""
from __future__ import annotations

from datetime import datetime

from domain import commands as c
from domain import events as ev
from domain.handlers import Outcome, authorize, handles
from domain.ports import Repository
from domain.said import said


@handles(c.SetAccountLanguage)
def set_account_language(cmd: c.SetAccountLanguage, repo: Repository, now: datetime) -> Outcome:
    account = authorize(cmd, repo)
    named = said(f"language.{cmd.language}")
    if account.language == cmd.language:
        return Outcome(said("account.language.already", account=cmd.account, language=named))
    repo.set_account_language(cmd.account, cmd.language)
    return Outcome(said("account.language.set", account=cmd.account, language=named),
                   [ev.AccountLanguageSet(cmd.account, cmd.account, language=cmd.language)])
