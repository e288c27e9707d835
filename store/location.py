"""Where the store is, and opening it: only the verbs that may create a store create one."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from domain.said import MESSAGES, N_, Said, said
from store.engine import make_engine
from store.migrate import current_revision, ensure_schema

MESSAGES.update({
    "store.sqlite_file": N_("SQLite file {path}"),
    "store.missing": N_("no store here: {store} does not exist"),
    "store.no_schema": N_("no store here: {store} holds no envadmin schema"),
})


class StoreNotFound(Exception):
    """Raised when no store exists where the settings point, and the caller may not create one; `message`
    (domain.said) says where it looked, in each reader's language."""

    def __init__(self, message: Said):
        super().__init__(message)
        self.message = message


def describe(url: str) -> str:
    """The store as users should read it: a file path (a message of domain.said, "SQLite file …"), or the URL
    without its password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return said("store.sqlite_file", path=str(Path(parsed.database or ':memory:').resolve()))
    return parsed.render_as_string(hide_password=True)


def open_store(url: str, *, create: bool) -> Engine:
    """An engine on an up-to-date schema; without `create`, StoreNotFound when there is no store yet."""
    parsed = make_url(url)
    if not create and parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:") \
            and not Path(parsed.database).exists():
        raise StoreNotFound(said("store.missing", store=describe(url)))
    engine = make_engine(url)
    if not create and current_revision(engine) is None:
        engine.dispose()
        raise StoreNotFound(said("store.no_schema", store=describe(url)))
    ensure_schema(engine)
    return engine
