"""Every audit action has a label people read on the console's audit page, named beside it in its event's class."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from domain import events as ev


@pytest.mark.parametrize("action", ev.AUDIT_ACTIONS)
def test_every_action_has_a_label_in_words_not_a_code(action):
    label = ev.action_label(action)

    assert label != action and label[0].isupper() and "_" not in label and "." not in label


def test_labels_say_what_happened_and_an_unknown_action_shows_its_code():
    assert ev.action_label("grant.pending") == "Grant pending: invite sent"
    assert ev.action_label("command.refused") == "Refused"
    assert ev.action_label("some.future_action") == "some.future_action"  # never an error
    assert set(ev.AUDIT_LABELS) == set(ev.AUDIT_ACTIONS)


def test_a_kind_of_event_without_a_label_is_refused():
    with pytest.raises(TypeError, match="'thing.done' needs a label people read"):
        @dataclass(frozen=True)
        class Unlabelled(ev.Event, action="thing.done"):  # noqa: F841
            pass
    assert "thing.done" not in ev.AUDIT_ACTIONS


def test_a_refused_command_says_what_it_asked_and_why_in_its_detail():
    refused = ev.CommandRefused("1001", "bob@example.com", asked="grant administrator", reason="limit reached")

    assert (refused.action, refused.target, refused.detail) == (
        "command.refused", "bob@example.com", "grant administrator: limit reached")
