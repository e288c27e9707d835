"""The time zone a person chose for themselves (users.time_zone, an IANA name): saved from the console's time zone
page, or once from their browser when they sign in without one; read when they sign in, so that their pages write
times in it, and when a mail is written to them."""
from __future__ import annotations

from sqlalchemy import Engine, select, update

from domain.model import email_key
from store.tables import users


def chosen_time_zone(engine: Engine, email: str) -> str | None:
    """The zone the person chose; None if they never chose one (or there is no such person)."""
    with engine.connect().execution_options(readonly=True) as conn:
        return conn.execute(select(users.c.time_zone).where(users.c.email_key == email_key(email))).scalar()


def choose_time_zone(engine: Engine, email: str, zone: str | None) -> None:
    """Save `zone` (already checked against languages.zones.known_zone) for the person; None: UTC again."""
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.email_key == email_key(email)).values(time_zone=zone))
