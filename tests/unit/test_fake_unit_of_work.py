"""The fake unit of work keeps the promises of the port that the apply path's unit tests rely on."""
from __future__ import annotations

import pytest

from domain import ports, unit_of_work_port
from domain.model import Account
from domain.states import CommandStatus, GrantStatus

from .fake_command_log import FakeCommandLog
from .fake_unit_of_work import FakeApplyFigures, FakeSetBasedRepository, FakeStore, FakeStoreRepository, FakeUnitOfWork
from .fake_world import world
from .handler_steps import ALICE, NOW, STRANGER, apply, grant


@pytest.mark.parametrize(("fake", "port"), [(FakeUnitOfWork, unit_of_work_port.UnitOfWork),
                                            (FakeCommandLog, unit_of_work_port.CommandLog),
                                            (FakeApplyFigures, unit_of_work_port.ApplyFigures),
                                            (FakeStoreRepository, ports.Repository),
                                            (FakeSetBasedRepository, ports.SetBasedRepository)])
def test_each_fake_implements_every_operation_of_its_port(fake, port):
    assert port in fake.__mro__ and fake.__abstractmethods__ == frozenset()


def test_leaving_without_commit_undoes_what_the_unit_of_work_wrote_and_a_commit_keeps_it():
    store = FakeStore()
    cmd = grant(STRANGER, actor=ALICE)
    with store.unit_of_work() as uow:
        uow.repo.add_account(Account("1001", "Acme"))
        uow.log.record_submitted([cmd], NOW)
        uow.figures.record_batch_size(1)
    assert (store.repo.accounts, store.log.rows, store.figures.batch_sizes) == ({}, {}, [])

    with store.unit_of_work() as uow:
        uow.repo.add_account(Account("1001", "Acme"))
        uow.commit()
        uow.repo.add_account(Account("2002", "Globex"))  # after the commit: undone
    assert list(store.repo.accounts) == ["1001"]


def test_a_savepoint_left_by_an_exception_undoes_only_what_was_written_inside_it():
    store = FakeStore()
    with store.unit_of_work() as uow:
        uow.repo.add_account(Account("1001", "Acme"))
        with pytest.raises(RuntimeError), uow.savepoint():
            uow.repo.add_account(Account("2002", "Globex"))
            raise RuntimeError("refused")
        with uow.savepoint():
            uow.repo.add_account(Account("3003", "Initech"))
        uow.commit()

    assert list(store.repo.accounts) == ["1001", "3003"]


def test_the_mails_a_unit_of_work_listed_stay_listed_after_a_rollback_as_the_row_repositorys_do():
    store = world()
    with store.unit_of_work() as uow:
        with pytest.raises(RuntimeError), uow.savepoint():
            apply(uow.repo, grant(STRANGER, actor=ALICE))
            raise RuntimeError("after the mail")
        assert len(uow.repo.new_mail_ids) == 1 and uow.repo.mails == []


def test_a_closed_pending_grant_ends_its_pending_command_in_the_log_and_a_retried_one_does_not():
    store = world()
    held = grant(STRANGER, actor=ALICE)
    store.log.record_submitted([held], NOW)
    store.log.finish(held.id, CommandStatus.PENDING, "waits", NOW)
    apply(store.repo, held)
    [grant_id] = store.repo.grants

    store.repo.close_pending_grant(grant_id, GrantStatus.RETRIED, "retried as command x", NOW)
    assert store.status(held.id) == CommandStatus.PENDING
    store.repo.close_pending_grant(grant_id, GrantStatus.CANCELLED, "cancelled by alice", NOW)
    assert (store.status(held.id), store.log.rows[held.id].reason) == (CommandStatus.SUPERSEDED, "cancelled by alice")
