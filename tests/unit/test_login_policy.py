"""The login policy: five failures within 15 minutes lock an email for 15 minutes."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from domain.login import FailureRecord, LoginPolicy, too_many_failures

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
POLICY = LoginPolicy()


def fail_times(count: int, start: datetime = T0, step: timedelta = timedelta(seconds=10),
               record: FailureRecord | None = None) -> FailureRecord | None:
    for i in range(count):
        record = POLICY.after_failure(record, start + i * step)
    return record


def test_the_defaults_are_five_failures_in_fifteen_minutes_for_fifteen_minutes():
    assert (POLICY.max_failures, POLICY.window, POLICY.lockout) == (
        5, timedelta(minutes=15), timedelta(minutes=15))


def test_an_email_never_tried_or_with_no_failures_is_allowed():
    assert POLICY.locked_until(None, T0) is None
    assert POLICY.locked_until(POLICY.after_success(T0), T0) is None


def test_four_failures_count_but_do_not_lock():
    record = fail_times(4)
    assert record == FailureRecord(4, T0, None)
    assert POLICY.locked_until(record, T0 + timedelta(minutes=1)) is None


def test_the_fifth_failure_within_the_window_locks_for_fifteen_minutes():
    record = fail_times(5)
    locked_at = T0 + timedelta(seconds=40)
    assert record == FailureRecord(5, T0, locked_at + timedelta(minutes=15))
    assert POLICY.locked_until(record, locked_at) == locked_at + timedelta(minutes=15)
    assert POLICY.locked_until(record, locked_at + timedelta(minutes=14, seconds=59)) is not None


def test_the_lock_ends_after_fifteen_minutes_and_counting_starts_again():
    record = fail_times(5)
    later = record.locked_until
    assert POLICY.locked_until(record, later) is None
    assert POLICY.after_failure(record, later) == FailureRecord(1, later, None)


def test_failures_older_than_the_window_are_forgotten():
    record = fail_times(4)
    later = T0 + timedelta(minutes=15)
    assert POLICY.after_failure(record, later) == FailureRecord(1, later, None)


def test_failures_spread_over_more_than_the_window_never_lock():
    record = fail_times(20, step=timedelta(minutes=4))
    assert record.locked_until is None and record.failures < POLICY.max_failures


def test_a_success_clears_the_failures():
    record = fail_times(4)
    cleared = POLICY.after_success(T0 + timedelta(minutes=1))
    assert cleared == FailureRecord(0, T0 + timedelta(minutes=1), None)
    assert POLICY.after_failure(cleared, T0 + timedelta(minutes=2)).failures == 1
    assert record.failures == 4  # records are values: the old one is unchanged


def test_a_custom_policy_is_honoured():
    policy = LoginPolicy(max_failures=2, window=timedelta(minutes=1), lockout=timedelta(hours=1))
    record = policy.after_failure(policy.after_failure(None, T0), T0 + timedelta(seconds=30))
    assert record.locked_until == T0 + timedelta(hours=1, seconds=30)


def test_the_lock_message_says_when_to_try_again():
    assert too_many_failures(T0 + timedelta(minutes=15)) == \
        "too many failed attempts; try again after 2024-05-01 12:15:00 UTC"


def test_all_clients_together_lock_the_email_only_after_a_much_larger_number_of_failures():
    everywhere = POLICY.for_all_clients()
    assert (everywhere.max_failures, everywhere.window, everywhere.lockout) == (
        100, timedelta(minutes=15), timedelta(minutes=15))
    record = None
    for i in range(99):
        record = everywhere.after_failure(record, T0 + timedelta(seconds=i))
    assert everywhere.locked_until(record, T0 + timedelta(minutes=1)) is None
    record = everywhere.after_failure(record, T0 + timedelta(minutes=1))
    assert everywhere.locked_until(record, T0 + timedelta(minutes=1)) == T0 + timedelta(minutes=16)


def test_a_record_is_forgettable_once_its_window_and_its_lock_are_over():
    assert POLICY.is_forgettable(POLICY.after_success(T0), T0)
    record = fail_times(2)
    assert not POLICY.is_forgettable(record, T0 + timedelta(minutes=14))
    assert POLICY.is_forgettable(record, T0 + timedelta(minutes=15))
    locked = fail_times(5)
    assert not POLICY.is_forgettable(locked, T0 + timedelta(minutes=15))  # window over, lock still running
    assert POLICY.is_forgettable(locked, locked.locked_until)
