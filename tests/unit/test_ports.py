"""The ports: each repository declares the ports it serves and implements every operation of each, the set-based
path runs only the handlers that ask for no more than it serves, and the store's unit of work is the whole port."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import get_type_hints

import pytest

from domain import ports, unit_of_work_port
from domain.handlers import HANDLERS, MEMBERSHIP_HANDLERS, handle_membership
from store.chunk_repository import ChunkRepository
from store.command_log import SqlCommandLog
from store.repository import SqlRepository
from store.unit_of_work import SqlApplyFigures, SqlUnitOfWork
from workers.bulk_apply import _BULK_TYPES

from .fakes import FakeRepository
from .handler_steps import rename_group

NARROW = [ports.Accounts, ports.AccountLocks, ports.AccountSettings, ports.Users, ports.AccountUsers, ports.AccountUserChanges,
          ports.MailboxProofs, ports.Groups, ports.GroupChanges, ports.Memberships, ports.AuditTrail,
          ports.InviteCounts, ports.Invites, ports.InviteTokens, ports.PendingGrants, ports.PendingGrantMoves]
NOT_SET_BASED = [ports.AccountLocks, ports.AccountSettings, ports.AccountUserChanges, ports.MailboxProofs, ports.GroupChanges,
                 ports.InviteTokens, ports.PendingGrantMoves]


def operations(port: type) -> set[str]:
    return set(port.__abstractmethods__)


@pytest.mark.parametrize(("repository", "serves"), [(SqlRepository, ports.Repository),
                                                    (FakeRepository, ports.Repository),
                                                    (ChunkRepository, ports.SetBasedRepository)])
def test_a_repository_implements_every_operation_of_the_ports_it_declares(repository, serves):
    assert serves in repository.__mro__
    assert repository.__abstractmethods__ == frozenset()  # else it could not be made


def test_the_chunk_repository_declares_the_membership_ports_and_none_of_the_others():
    assert ports.MembershipRepository in ChunkRepository.__mro__
    for port in NOT_SET_BASED:
        assert port not in ChunkRepository.__mro__
        assert not [name for name in operations(port) if hasattr(ChunkRepository, name)], port.__name__


def test_a_class_that_lacks_an_operation_of_a_port_it_declares_cannot_be_made():
    class HalfUsers(ports.Users):
        def get_user(self, email_key):
            return None

    with pytest.raises(TypeError, match="add_user"):
        HalfUsers()


def test_the_narrow_ports_share_no_operation_and_together_are_the_whole_repository():
    own = [operations(port) - set().union(*(operations(base) for base in port.__mro__[1:] if base in NARROW))
           for port in NARROW]

    assert sum(len(names) for names in own) == len(set().union(*own))
    assert set().union(*own) == operations(ports.Repository)


def test_the_fake_has_every_attribute_the_ports_name():
    fake = FakeRepository()

    assert (fake.invite_ttl.days, fake.invite_limits, fake.new_mail_ids) == (7, ports.InviteCounts.invite_limits, [])


@pytest.mark.parametrize("command_type", _BULK_TYPES, ids=lambda t: t.__name__)
def test_each_command_of_the_set_based_path_has_a_handler_that_asks_for_a_membership_repository(command_type):
    handler = MEMBERSHIP_HANDLERS[command_type]

    assert get_type_hints(handler)["repo"] is ports.MembershipRepository
    assert HANDLERS[command_type] is handler


@pytest.mark.parametrize("command_type", sorted(set(HANDLERS) - set(MEMBERSHIP_HANDLERS), key=lambda t: t.__name__),
                         ids=lambda t: t.__name__)
def test_the_handlers_that_need_more_than_a_membership_repository_ask_for_the_whole_one(command_type):
    assert get_type_hints(HANDLERS[command_type])["repo"] is ports.Repository


def test_a_command_that_needs_more_than_a_membership_repository_is_refused_by_handle_membership():
    with pytest.raises(TypeError, match="RenameGroup needs more than a MembershipRepository"):
        handle_membership(rename_group("Sales", "Marketing"), FakeRepository(), datetime.now(timezone.utc))


@pytest.mark.parametrize(("implementation", "port"), [(SqlUnitOfWork, unit_of_work_port.UnitOfWork),
                                                      (SqlCommandLog, unit_of_work_port.CommandLog),
                                                      (SqlApplyFigures, unit_of_work_port.ApplyFigures)])
def test_the_store_implements_every_operation_of_the_unit_of_work_port_and_its_parts(implementation, port):
    assert port in implementation.__mro__
    assert implementation.__abstractmethods__ == frozenset()
    assert operations(port)  # a port with no abstract operation would check nothing
