"""An outcome event's JSON, the event feed's cursor, and the schedule of a failing delivery's retries."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest

from domain.callback_urls import check_callback_url
from domain.delivery_schedule import MAX_ATTEMPTS, RETRY_WAITS, next_attempt, retry_span
from domain.outcomes import EVENT_TYPES, OutcomeEvent, event_type
from producers.api.event_routes import cursor_of, position_of

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)


def test_an_event_is_the_json_a_callback_posts_and_the_feed_lists():
    event = OutcomeEvent(uuid4(), uuid4(), "1001", "grant_admin", "rejected", "eve is not an administrator", NOW,
                         "actor.not_admin")
    assert event.as_json() == {
        "type": "command.rejected", "id": str(event.command_id), "account": "1001", "status": "rejected",
        "reason": "eve is not an administrator", "reason_code": "actor.not_admin", "command_type": "grant_admin",
        "event_id": str(event.event_id), "occurred_at": "2026-12-07T12:00:00Z"}


def test_every_status_after_queued_is_an_event_type_and_queued_is_none():
    assert set(EVENT_TYPES) == {"command.applied", "command.pending", "command.rejected", "command.superseded",
                                "command.failed", "command.expired"}
    assert event_type("expired") == "command.expired"
    with pytest.raises(ValueError):
        event_type("queued")


@pytest.mark.parametrize("seq", [0, 1, 42, 2**63 - 1])
def test_a_cursor_stands_for_its_position_without_showing_it(seq):
    cursor = cursor_of(seq)
    assert str(seq) not in cursor and position_of(cursor) == seq


@pytest.mark.parametrize("cursor", ["", "42", "not-a-cursor", cursor_of(1)[:-1] + "!", "ZXYxOi0x", "ZXYxOg"])
def test_a_cursor_the_api_did_not_give_is_refused(cursor):
    with pytest.raises(ValueError, match="is not a cursor of the event feed"):
        position_of(cursor)


def test_retries_follow_the_standard_webhooks_schedule_over_more_than_a_day_then_stop():
    assert [wait.total_seconds() for wait in RETRY_WAITS] == [5, 300, 1800, 7200, 18000, 36000, 36000]
    assert retry_span() >= timedelta(hours=24)
    rng = random.Random(7)
    for attempts, wait in enumerate(RETRY_WAITS, start=1):
        when = next_attempt(attempts, NOW, rng)
        assert wait * 0.9 <= when - NOW <= wait * 1.1, attempts
    assert next_attempt(MAX_ATTEMPTS, NOW, rng) is None


def test_the_jitter_spreads_retries_that_failed_together():
    rng = random.Random(1)
    assert len({next_attempt(2, NOW, rng) for _ in range(20)}) == 20


@pytest.mark.parametrize("url", ["https://hr.example/hooks", "http://127.0.0.1:8080/h?x=1", " https://a.b/ "])
def test_a_callback_url_is_an_absolute_http_url(url):
    assert check_callback_url(url) == url.strip()


@pytest.mark.parametrize("url, words", [("ftp://hr.example/", "expected an http:// or https:// URL"),
                                        ("hr.example/hooks", "expected an http:// or https:// URL"),
                                        ("https:///hooks", "names no host"),
                                        ("https://hr.example:port/", "is not a URL"),
                                        ("https://a b.example/", "space"),
                                        ("https://user:pw@hr.example/", "no user name or password"),
                                        ("https://hr.example/" + "x" * 2000, "at most 2000")])
def test_another_callback_url_is_refused_saying_why(url, words):
    with pytest.raises(ValueError, match=words):
        check_callback_url(url)
