"""The words of the store and the domain that pages and the CLI show as they are (a status, a state, a role, an
audit entry's label): each in its reader's language. A word not listed here (a group's name, say) is shown as it
is."""
from __future__ import annotations

from collections.abc import Callable

from domain.events import AUDIT_LABELS


def N_(message: str) -> str:  # noqa: N802 (gettext's name for it, which the extraction knows)
    """A word to translate where it is shown."""
    return message


WORDS = frozenset((
    # a command's status (domain.states.CommandStatus), and a job row's "invalid"
    N_("queued"), N_("applied"), N_("pending"), N_("rejected"), N_("superseded"), N_("failed"), N_("expired"),
    N_("invalid"),
    # an invite's status (domain.states.InviteStatus)
    N_("accepted"), N_("cancelled"), N_("replaced"),
    # a user's state in the directory (store.reads.directory.STATES)
    N_("active"), N_("must change password"), N_("activation mail sent"), N_("locked out"), N_("disabled"),
    # a person's role in an account (store.reads.people), and the group of the administrators (domain.model)
    N_("Account Administrator"), N_("User"), N_("Disabled"), N_("Account Administrators"),
    # an onboarding job's state (store.reads.job_reports), an outcome callback's (store.webhook_deliveries)
    N_("running"), N_("waiting"), N_("completed"), N_("sent"), N_("failing"), N_("given_up"),
    # a queue's priorities, and a queue the broker did not count (producers.ops.view)
    N_("commands (first)"), N_("mails (after commands)"), N_("all priorities"), N_("broker unreachable"),
)) | frozenset(AUDIT_LABELS.values())  # marked for the catalogues in domain/events.py


def shown_in(text, gettext: Callable[[str], str]):
    """`text` translated by `gettext` when it is one of WORDS, else as it is (a value of any other type too)."""
    return gettext(text) if isinstance(text, str) and text in WORDS else text
