"""The language a person chose for themselves (users.language): saved when they switch the pages' language while
signed in, and when they register from an invite (the language of the page they registered on); read when they
sign in, so that their pages follow it on any browser, and when a mail is written to them."""
from __future__ import annotations

from sqlalchemy import Engine, select, update

from domain.model import email_key
from store.tables import users


def chosen_language(engine: Engine, email: str) -> str | None:
    """The language the person chose; None if they never chose one (or there is no such person)."""
    with engine.connect().execution_options(readonly=True) as conn:
        return conn.execute(select(users.c.language).where(users.c.email_key == email_key(email))).scalar()


def choose_language(engine: Engine, email: str, language: str) -> None:
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.email_key == email_key(email)).values(language=language))
