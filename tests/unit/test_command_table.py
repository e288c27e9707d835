"""One table of command types (domain.commands.COMMAND_MODELS) and one of audit actions (the Event classes): the
wire's union, the type names, the handlers and the audit trail's actions are all read from them, so they cannot
drift apart. A new command type fails here until it has its model listed, its handler, and a step below that
applies it and audits what it did."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import get_args

import pytest

from domain import commands as c
from domain import events as ev
from domain.handlers import HANDLERS, handles
from domain.validation import describe

from .fakes import FakeRepository
from .handler_steps import (
    ALICE,
    CAROL,
    HASH,
    STRANGER,
    add_member,
    add_user,
    apply,
    command,
    create_account,
    create_group,
    delete_group,
    grant,
    remove_member,
    rename_group,
    revoke,
)

_NOUN_VERB = re.compile(r"[a-z]+\.[a-z_]+")


def _subclasses(cls: type) -> list[type]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *_subclasses(direct))]


def test_the_wire_union_is_the_table_in_its_order():
    union = get_args(get_args(c.AnyCommand)[0])
    assert union == c.COMMAND_MODELS
    assert c.COMMAND_TYPES == tuple(model.model_fields["type"].default for model in c.COMMAND_MODELS)
    assert len(set(c.COMMAND_TYPES)) == len(c.COMMAND_TYPES)
    assert all(c.MODEL_OF_TYPE[model.model_fields["type"].default] is model for model in c.COMMAND_MODELS)


def test_every_command_model_with_a_type_is_in_the_table():
    typed = {model for model in _subclasses(c.Command) if "type" in model.model_fields}
    assert typed == set(c.COMMAND_MODELS)


@pytest.mark.parametrize("model", c.COMMAND_MODELS, ids=c.COMMAND_TYPES)
def test_every_command_type_has_one_handler(model):
    assert model in HANDLERS
    assert HANDLERS[model].__name__ == model.model_fields["type"].default  # add_user handles AddUser


def test_the_handlers_are_those_of_the_table_and_a_second_one_is_refused():
    assert set(HANDLERS) == set(c.COMMAND_MODELS)
    with pytest.raises(TypeError, match="AddUser has a handler already: add_user"):
        handles(c.AddUser)(lambda cmd, repo, now: None)
    assert HANDLERS[c.AddUser].__name__ == "add_user"


@pytest.mark.parametrize("type_", c.COMMAND_TYPES)
def test_a_bad_field_of_any_type_is_named_without_the_type(type_):
    with pytest.raises(Exception) as raised:
        c.parse_command({"type": type_, "id": "not-a-uuid"})
    assert not describe(raised.value).startswith(type_)
    assert "id: " in describe(raised.value)


def test_every_kind_of_event_names_its_own_audit_action():
    kinds = _subclasses(ev.Event)
    assert [kind.action for kind in kinds] == list(ev.AUDIT_ACTIONS)
    assert len(set(ev.AUDIT_ACTIONS)) == len(ev.AUDIT_ACTIONS)
    assert all(_NOUN_VERB.fullmatch(action) for action in ev.AUDIT_ACTIONS), ev.AUDIT_ACTIONS


def test_a_kind_of_event_without_an_action_or_with_one_taken_is_refused():
    with pytest.raises(TypeError, match="action"):
        @dataclass(frozen=True)
        class Unnamed(ev.Event):  # noqa: F841
            pass
    with pytest.raises(TypeError, match="'group.created' is GroupCreated's"):
        @dataclass(frozen=True)
        class Again(ev.Event, action="group.created"):  # noqa: F841
            pass
    assert ev.AUDIT_ACTIONS.count("group.created") == 1


# One command of each type, in an order where each changes something: what each audits.
STEPS = [
    create_account("1001", ALICE),
    add_user(CAROL, actor=ALICE),
    command("rename_user", email=CAROL, first_name="Carole", last_name="Martin", actor=ALICE),
    command("reset_password", email=CAROL, password_hash=HASH, actor=ALICE),
    command("disable_user", email=CAROL, actor=ALICE),
    command("enable_user", email=CAROL, actor=ALICE),
    grant(CAROL, actor=ALICE),
    revoke(CAROL, actor=ALICE),
    create_group("Sales", actor=ALICE),
    rename_group("Sales", "Marketing", actor=ALICE),
    add_member("Marketing", CAROL, actor=ALICE),
    remove_member("Marketing", CAROL, actor=ALICE),
    delete_group("Marketing", actor=ALICE),
    command("invite_user", email=STRANGER, actor=ALICE),
    command("resend_invite", email=STRANGER, actor=ALICE),
    command("cancel_invite", email=STRANGER, actor=ALICE),
    command("remove_user", email=CAROL, actor=ALICE),
    command("set_account_language", language="fr", actor=ALICE),
]


def test_every_command_type_applied_audits_actions_of_the_table():
    assert {step.type for step in STEPS} == set(c.COMMAND_TYPES)  # a new type needs its step here
    repo = FakeRepository()
    for step in STEPS:
        before = len(repo.audit)
        apply(repo, step)
        audited = repo.actions()[before:]
        assert audited, f"{step.type} audited nothing"
        assert set(audited) <= set(ev.AUDIT_ACTIONS), (step.type, audited)
