"""The words of the store and the domain a page shows as they are (producers/web/words.py): every status, state,
role, queue priority and audit label there is, so none reaches a French page in English."""
from __future__ import annotations

from domain.events import AUDIT_LABELS
from domain.model import ADMIN_GROUP
from domain.states import CommandStatus, InviteStatus
from producers.ops.view import PRIORITY_NAMES
from producers.web.words import WORDS
from store.reads import directory, job_reports, job_rows, people


def test_every_word_a_page_shows_as_it_is_is_listed():
    shown = {*CommandStatus, *InviteStatus, *directory.STATES, *job_rows.OUTCOMES, job_reports.RUNNING,
             job_reports.WAITING, job_reports.COMPLETED, people.ADMIN_ROLE, people.USER_ROLE, people.DISABLED_ROLE,
             ADMIN_GROUP, *PRIORITY_NAMES.values(), *AUDIT_LABELS.values()}
    assert shown - set(WORDS) == set()
