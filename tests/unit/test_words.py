"""The words of the store and the domain that pages and the CLI show as they are (producers/services/words.py):
every status, state, role, queue priority and audit label there is, so none reaches a French reader in English."""
from __future__ import annotations

from domain.events import AUDIT_LABELS
from domain.model import ADMIN_GROUP
from domain.states import CommandStatus, InviteStatus
from producers.ops.view import PRIORITY_NAMES
from producers.services.words import WORDS
from store.reads import directory, job_reports, job_rows, people


def test_every_word_shown_as_it_is_is_listed():
    shown = {*CommandStatus, *InviteStatus, *directory.STATES, *job_rows.OUTCOMES, job_reports.RUNNING,
             job_reports.WAITING, job_reports.COMPLETED, people.ADMIN_ROLE, people.USER_ROLE, people.DISABLED_ROLE,
             ADMIN_GROUP, *PRIORITY_NAMES.values(), *AUDIT_LABELS.values()}
    assert shown - set(WORDS) == set()
