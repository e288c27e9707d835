"""A group's deletion outlives it: a member change issued before it never applies to a group made again."""
from __future__ import annotations

from producers.services.client import new_command

from ..support.builders import add_user
from .chunk_delivery import ALICE, deliver, journal, row


def group_command(type_: str, **fields):
    return new_command(type_, actor=ALICE, source="cli", account="1001", **fields)


def test_a_stale_add_member_arriving_after_the_group_is_made_again_is_superseded(engine, account):
    stale = group_command("add_member", group="Sales", email=ALICE)  # issued first, delivered last
    commands = [group_command("create_group", group="Sales"), group_command("delete_group", group="Sales"),
                group_command("create_group", group="Sales")]
    journal(engine, stale, *commands)
    for command in commands:
        deliver(engine, command)

    deliver(engine, stale)  # alone in its message: the set-based path

    status, _, _, reason = row(engine, stale.id)
    assert status == "superseded" and "deletion of group Sales" in reason, reason
    fresh = group_command("add_member", group="Sales", email=ALICE)
    journal(engine, fresh)
    deliver(engine, fresh)
    assert row(engine, fresh.id).status == "applied"


def test_renaming_a_group_onto_the_name_of_a_deleted_group_with_the_same_member_is_applied(engine, account):
    commands = [add_user("carol@example.com"), group_command("create_group", group="Old"),
                group_command("add_member", group="Old", email="carol@example.com"),
                group_command("delete_group", group="Old"), group_command("create_group", group="Sales"),
                group_command("add_member", group="Sales", email="carol@example.com"),
                group_command("rename_group", group="Sales", new_name="Old")]
    journal(engine, *commands)
    for command in commands:
        deliver(engine, command)

    status, _, _, reason = row(engine, commands[-1].id)
    assert status == "applied", reason  # Carol's two clocks merge under one name (the newer kept): no key error
