"""The words of the store and the domain that the pages show as they are (a status, a state, a role, an audit
entry's label): each in the page's language. A word not listed here (a group's name, say) is shown as it is."""
from __future__ import annotations

from producers.web.language import N_
from producers.web.language import gettext as _

WORDS = {word: word for word in (
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
    # an audit entry's label (domain.events.AUDIT_LABELS)
    N_("Account created"), N_("User added"), N_("Administrator granted"), N_("Administrator revoked"),
    N_("Group created"), N_("Group renamed"), N_("Group deleted"), N_("Member added to a group"),
    N_("Member removed from a group"), N_("Invite sent"), N_("Activation mail sent"), N_("Invite cancelled"),
    N_("Invite accepted"), N_("Grant pending: invite sent"), N_("User registered"), N_("User activated: password set"),
    N_("User claimed by the owner of the mailbox"), N_("Invite expired"), N_("Password changed"),
    N_("Password reset through a mailed link"), N_("Failed command replayed"), N_("API key created"),
    N_("API key rotated"), N_("API key revoked"), N_("API key callback stopped"), N_("Refused"), N_("Failed"),
    N_("User disabled"), N_("User enabled"), N_("User removed from the account"),
    N_("Password reset by an administrator"), N_("User renamed"),
)}


def word(text):
    """`text` in the page's language when it is one of WORDS, else as it is (a value of any other type too)."""
    return _(text) if isinstance(text, str) and text in WORDS else text
