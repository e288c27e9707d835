"""The states of commands, invites, pending grants and jobs: the texts the store keeps, and who uses which."""
from __future__ import annotations

import pytest

from domain.model import User
from domain.states import CommandStatus, GrantStatus, InviteStatus, JobState
from store.closed_grants import COMMAND_STATUS_OF_CLOSED_GRANT
from store.tables import PREREQUISITE_SQL

from .handler_steps import ALICE, STRANGER, apply, create_account, grant


@pytest.mark.parametrize(("states", "texts"), [
    (CommandStatus, ["queued", "applied", "pending", "rejected", "superseded", "failed", "expired"]),
    (InviteStatus, ["pending", "accepted", "expired", "cancelled", "replaced", "failed"]),
    (GrantStatus, ["pending", "retried", "replaced", "cancelled", "expired", "failed"]),
    (JobState, ["submitting", "submitted", "failed"]),
])
def test_each_state_is_the_text_the_store_keeps_and_compares_equal_to_it(states, texts):
    assert [state.value for state in states] == texts
    assert list(states) == texts  # a status read back as plain text meets the member it was written from
    assert {str(state) for state in states} == set(texts)  # f-strings, templates and JSON show the text


def test_the_partial_indexes_spell_the_queued_status_as_the_enum_does():
    assert f"status = '{CommandStatus.QUEUED}'" in PREREQUISITE_SQL


def test_a_grant_held_for_registration_ends_its_command_pending_as_a_command_status(repo):
    outcome = apply(repo, grant(STRANGER, actor=ALICE))

    assert type(outcome.status) is CommandStatus and outcome.status is CommandStatus.PENDING


def test_an_account_whose_admin_must_prove_the_mailbox_ends_its_command_pending_as_a_command_status(repo):
    repo.add_user(User(STRANGER, "Some", "One", "hash", False, created_by_account="2002"))  # unproven, elsewhere

    outcome = apply(repo, create_account("3003", STRANGER))

    assert type(outcome.status) is CommandStatus and outcome.status is CommandStatus.PENDING


def test_an_applied_command_says_so_as_a_command_status(repo):
    outcome = apply(repo, create_account("3003", "new@example.com"))

    assert type(outcome.status) is CommandStatus and outcome.status is CommandStatus.APPLIED


def test_only_grants_closed_by_a_later_command_or_an_expiry_end_their_command():
    assert COMMAND_STATUS_OF_CLOSED_GRANT == {GrantStatus.EXPIRED: CommandStatus.EXPIRED,
                                              GrantStatus.CANCELLED: CommandStatus.SUPERSEDED,
                                              GrantStatus.REPLACED: CommandStatus.SUPERSEDED}
