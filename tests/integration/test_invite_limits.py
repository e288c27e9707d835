"""Invite limits as a worker applies them, on SQLite and PostgreSQL: a refusal that names the limit and when to
try again, leaves nothing half done, and is counted in /metrics; on the one-by-one and the set-based path."""
from __future__ import annotations

import re

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from domain.clock import SYSTEM_CLOCK
from producers.services.client import new_command
from producers.web.prometheus import EnvadminCollector
from store.reads import queries
from store.tables import invites, mail_outbox, users
from workers.celery_app import create_app

from ..support.builders import account_with_admin, add_user, grant
from .apply_here import applier

RETRY = r"try again after \d{4}-\d\d-\d\d \d\d:\d\d UTC$"


@pytest.fixture
def limited(database_url, tmp_path):
    """Account 1001 (admin Alice) on a store whose accounts send at most 3 invites an hour, 2 a day to one email."""
    settings, engine, _factory, apply = applier(database_url, tmp_path, invites_per_account_per_hour=3,
                                                invites_per_recipient_per_day=2)
    assert apply(account_with_admin()) == ["applied"]
    yield settings, engine, apply
    engine.dispose()


def resend(email: str):
    return new_command("resend_invite", actor="alice@example.com", source="cli", account="1001", email=email)


def count(engine, table, *where) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def refused_by_limit(settings, engine) -> dict[str, float]:
    """envadmin_invites_refused_by_limit_total by limit, as /metrics shows it."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(EnvadminCollector(engine, create_app(settings), settings, SYSTEM_CLOCK))
    families = text_string_to_metric_families(generate_latest(registry).decode())
    return {sample.labels["limit"]: sample.value for family in families
            if family.name == "envadmin_invites_refused_by_limit" for sample in family.samples}


def test_resends_to_one_person_stop_at_the_daily_limit_and_the_refusal_is_counted(limited):
    settings, engine, apply = limited
    assert refused_by_limit(settings, engine) == {"account": 0, "recipient": 0}
    assert apply(grant("nobody@example.com"), resend("nobody@example.com")) == ["pending", "applied"]
    live = queries.list_invites(engine, "1001", "pending", now=SYSTEM_CLOCK.now())

    third = resend("nobody@example.com")
    assert apply(third) == ["rejected"]

    reason = queries.command_status(engine, third.id)["reason"]
    assert reason.startswith("account 1001 already sent 2 invite or activation mails to nobody@example.com in the "
                             "last 24 hours") and "ENVADMIN_INVITES_PER_RECIPIENT_PER_DAY" in reason
    assert re.search(RETRY, reason), reason
    still = queries.list_invites(engine, "1001", "pending", now=SYSTEM_CLOCK.now())
    assert still == live  # the live invite still works
    assert count(engine, invites) == 2 and count(engine, mail_outbox) == 2
    assert refused_by_limit(settings, engine) == {"account": 0, "recipient": 1}


def test_a_chunk_of_grants_sends_up_to_the_hourly_limit_and_refuses_the_rest_set_based(limited, caplog):
    settings, engine, apply = limited
    people = [f"new{i}@example.com" for i in range(5)]
    statuses = apply(*[grant(email) for email in people])  # one message: the set-based path

    assert statuses == ["pending"] * 3 + ["rejected"] * 2
    assert "one by one" not in caplog.text  # refused before writing: the chunk stayed set-based
    assert count(engine, invites) == 3 and count(engine, mail_outbox) == 3
    assert refused_by_limit(settings, engine) == {"account": 2, "recipient": 0}


def test_an_activation_over_the_limit_refuses_the_whole_add_user(limited):
    settings, engine, apply = limited
    people = [f"new{i}@example.com" for i in range(4)]
    statuses = apply(*[add_user(email, password_hash=None, activation="mail") for email in people])

    assert statuses == ["applied"] * 3 + ["rejected"]
    with engine.connect() as conn:
        created = conn.execute(select(users.c.email_key).where(users.c.email_key.like("new%"))).scalars().all()
    assert sorted(created) == people[:3]  # no user left without the mail that would activate it
    assert count(engine, mail_outbox) == 3
    assert refused_by_limit(settings, engine) == {"account": 1, "recipient": 0}
