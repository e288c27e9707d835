"""The English text of every code the rules say (domain.said): the source text of the translations, marked with `N_`
for `make messages`. A text that depends on a count has a singular and a plural (the parameter `count` chooses, by
the reader's language). Modules with messages of their own (the fields', the API's, …) add their codes to MESSAGES
beside the rules they name."""
from __future__ import annotations

from typing import Union


def N_(message: str) -> str:  # noqa: N802 (gettext's name for a text marked to translate later)
    return message


Text = Union[str, tuple[str, str]]  # one text, or its singular and plural (the parameter `count` chooses)

MESSAGES: dict[str, Text] = {
    # -- refusals ---------------------------------------------------------------------------------------------
    "account.exists": N_("account {account} already exists"),
    "account.unknown": N_("account {account} does not exist"),
    "actor.not_support": N_("{actor} is not support; only support can create account {account}"),
    "actor.not_admin": N_("{actor} is not an administrator of account {account}"),
    "actor.disabled": N_("{actor} is disabled in account {account}"),
    "user.exists": N_("User {email} already exists"),
    "user.unknown": N_("Cannot add a non-existent user"),
    "user.not_in_account": N_("{email} is not a user of account {account}"),
    "user.in_other_accounts.password": N_(
        "{email} is also a user of account {accounts}: only they can change their password (a forgotten password: "
        "'Forgot your password?' on the sign-in page)"),
    "user.in_other_accounts.name": N_(
        "{email} is also a user of account {accounts}: only they can change their name (a forgotten password: "
        "'Forgot your password?' on the sign-in page)"),
    "group.exists": N_("group {group} already exists in account {account}"),
    "group.unknown": N_("group {group} does not exist in account {account}"),
    "group.builtin_rename": N_("the {group} group cannot be renamed"),
    "group.builtin_delete": N_("the {group} group cannot be deleted"),
    "admin.last": N_("{email} is the last administrator of account {account}; grant another administrator first"),
    "admin.last_active": N_(
        "{email} is the last active administrator of account {account}; grant another administrator (or enable a "
        "disabled one) first"),
    "admin.last_active.disable": N_(
        "{email} is the last active administrator of account {account} and cannot be disabled; grant another "
        "administrator first"),
    "admin.last_active.remove": N_(
        "{email} is the last active administrator of account {account} and cannot be removed; grant another "
        "administrator first"),
    "invite.none_pending": N_("no pending invite of {email} to account {account}"),
    "invite.limit.recipient": N_(
        "account {account} already sent {limit} invite or activation mails to {email} in the last 24 hours, the "
        "most one person receives (ENVADMIN_INVITES_PER_RECIPIENT_PER_DAY): try again after {retry_at}"),
    "invite.limit.account": N_(
        "account {account} already sent {limit} invite or activation mails in the last hour, the most it may "
        "(ENVADMIN_INVITES_PER_ACCOUNT_PER_HOUR): try again after {retry_at}"),
    "superseded.later": N_(
        "superseded by command {command}, issued later ({issued_at}) for the same member of {group} in account "
        "{account}"),
    "superseded.group_deleted": N_(
        "superseded by the deletion of group {group} in account {account} (command {command}, issued later, "
        "{issued_at})"),
    # -- signing in -------------------------------------------------------------------------------------------
    "login.wrong": N_("wrong email or password"),
    "login.change_required": N_("password change required"),
    "login.ok": N_("login ok"),
    "login.disabled": N_(
        "this sign-in is disabled by the administrators of your account; ask them to enable it"),
    "login.password_changed": N_("password changed"),
    "login.password_ok": N_("password ok"),
    "login.locked": N_("too many failed attempts; try again after {until}"),
    # -- registration -----------------------------------------------------------------------------------------
    "registration.unknown_token": N_("unknown registration token"),
    "registration.used": N_("this registration link was already used"),
    "registration.cancelled": N_("this invite was cancelled"),
    "registration.replaced": N_("this invite was replaced by a newer invite: use the link in the latest mail"),
    "registration.expired": N_("this invite has expired"),
    "registration.failed": N_("this invite could not be delivered and was closed"),
    "registration.expired_on": N_("this invite expired on {expired_at}"),
    "registration.other_email": N_("this registration link was sent to another email"),
    "registration.names_required": N_("a first and a last name are required to register"),
    "registration.user_exists": N_(
        "a user {email} already exists: give its current password to accept the invite"),
    # -- outcomes ---------------------------------------------------------------------------------------------
    "account.created": N_("Account {account} ({name}) created; {email} is its administrator."),
    "account.created.pending": N_("Account {account} ({name}) created."),
    "user.added": N_("User {email} added."),
    "user.joined_account": N_(
        "{email} already has a sign-in: now a user of account {account} too, with their own password (the one "
        "given is not used)."),
    "activation.mailed": N_("An activation mail (encrypted envelope) asks them to set their password."),
    "grants.retrying": (N_("Retrying {count} pending grant of account {account}."),
                        N_("Retrying {count} pending grants of account {account}.")),
    "invite.sent.admin": N_(
        "{email} has no user yet: an encrypted envelope invite was sent; an administrator of account {account} "
        "waits for registration."),
    "invite.sent.member": N_(
        "{email} has no user yet: an encrypted envelope invite was sent; a member of group {group} in account "
        "{account} waits for registration."),
    "invite.live.admin": N_(
        "{email} has no user yet: an invite sent {sent_at} is still live, no second mail; an administrator of "
        "account {account} waits for registration."),
    "invite.live.member": N_(
        "{email} has no user yet: an invite sent {sent_at} is still live, no second mail; a member of group "
        "{group} in account {account} waits for registration."),
    "invite.resent": N_("A new invite was sent to {email}; the previous link no longer works."),
    "activation.resent": N_("A new activation mail was sent to {email}."),
    "invite.cancelled": N_("The invite of {email} to account {account} is cancelled."),
    "admin.already": N_("{email} is already an administrator of account {account}; nothing changed."),
    "member.already": N_("{email} is already a member of group {group} in account {account}; nothing changed."),
    "admin.granted": N_("{email} is now an administrator of account {account}."),
    "member.added": N_("{email} is now a member of group {group} in account {account}."),
    "grant.retried_as": N_("(retried as command {command})"),
    "grant.invite_expired": N_(
        "the invite of {email} to account {account} expired on {expired_at} before registration; grant again to "
        "send a new invite"),
    "role.waits_for_enable": N_(
        "They are disabled in account {account}: the role takes effect once they are enabled."),
    "admin.pending_cancelled": N_(
        "The pending grant of {email} (an administrator of account {account}) is cancelled."),
    "member.pending_cancelled": N_(
        "The pending grant of {email} (a member of group {group} in account {account}) is cancelled."),
    "admin.not": N_("{email} is not an administrator of account {account}; nothing changed."),
    "member.not": N_("{email} is not a member of group {group} in account {account}; nothing changed."),
    "admin.revoked": N_("{email} is no longer an administrator of account {account}."),
    "member.removed": N_("{email} is no longer a member of group {group} in account {account}."),
    "group.created": N_("Group {group} created in account {account}."),
    "group.renamed": N_("Group {group} renamed to {new_name} in account {account}."),
    "group.deleted": N_("Group {group} deleted from account {account}."),
    "user.already_disabled": N_("{email} is already disabled in account {account}; nothing changed."),
    "user.disabled": N_("{email} is disabled in account {account}; their sessions ended."),
    "user.already_active": N_("{email} is already active in account {account}; nothing changed."),
    "user.enabled": N_("{email} is active again in account {account}."),
    "user.removed": N_("{email} is no longer a user of account {account}."),
    "user.removed.groups": N_("{email} is no longer a user of account {account}; they left {groups}."),
    "password.reset.activation": N_(
        "The password of {email} is reset: an activation mail (encrypted envelope) asks them to set a new one; "
        "their sessions ended."),
    "password.reset.synced": N_(
        "The password of {email} is set to the one their identity provider gave; their sessions ended."),
    "password.reset.temporary": N_(
        "The password of {email} is reset to a temporary one, to change at their next sign-in; their sessions "
        "ended."),
    "user.already_named": N_("{email} is already named {first_name} {last_name}; nothing changed."),
    "user.renamed": N_("{email} is now named {first_name} {last_name}."),
    "account.language.already": N_("Account {account} is already in {language}; nothing changed."),
    "account.language.set": N_(
        "Account {account} is now in {language}: its mails are written in {language} when their reader's language "
        "is not known."),
    "language.en": N_("English"),
    "language.fr": N_("French"),
    # -- audit details ----------------------------------------------------------------------------------------
    "audit.refused": N_("{asked}: {reason}"),
    "audit.retried.registration": N_(
        "the grant {actor} asked for (command {command}), retried when {email} registered"),
    "audit.retried.user_added": N_(
        "the grant {actor} asked for (command {command}), retried when {email} was added as a user"),
    "audit.with_retry": N_("{detail}; {retry}"),
    "audit.activation_by_mail": N_("no password yet, activation by mail"),
    "audit.password_expired": N_("temporary password, expired"),
    "audit.password_not_expired": N_("password not expired"),
    "audit.activation_sent": N_("activation mail sent"),
    "audit.renamed_to": N_("renamed to {new_name}"),
    "audit.group": N_("group {group}"),
    "audit.group_waiting": N_("group {group}, waiting for registration"),
    "audit.claimed": N_(
        "the mailbox was proven; the password its creator set no longer works and its sessions ended"),
    "audit.key_scope": N_("{scope}, acting as {person}"),
    "key.scope.support": N_("support (every account)"),
    "key.scope.accounts": N_("accounts {accounts}"),
    "audit.key_old_until": N_("the old key works until {until}"),
    "audit.callback_gone": N_("{url} answered 410 Gone; its waiting deliveries were given up"),
    "audit.left_groups": N_("left groups {groups}"),
    "audit.now_named": N_("now {name}"),
    "audit.language_now": N_("now {language}"),
    # what a command asks, in words: "grant administrator: <why it was refused>"
    "asked.create_account": N_("create an account"),
    "asked.add_user": N_("add a user"),
    "asked.grant_admin": N_("grant administrator"),
    "asked.revoke_admin": N_("revoke administrator"),
    "asked.create_group": N_("create a group"),
    "asked.rename_group": N_("rename a group"),
    "asked.delete_group": N_("delete a group"),
    "asked.add_member": N_("add a member to a group"),
    "asked.remove_member": N_("remove a member from a group"),
    "asked.invite_user": N_("invite a user"),
    "asked.resend_invite": N_("resend an invite"),
    "asked.cancel_invite": N_("cancel an invite"),
    "asked.disable_user": N_("disable a user"),
    "asked.enable_user": N_("enable a user"),
    "asked.remove_user": N_("remove a user from the account"),
    "asked.reset_password": N_("reset a user's password"),
    "asked.rename_user": N_("rename a user"),
    "asked.set_account_language": N_("set the account's language"),
    "group.admins": N_("Account Administrators"),
    # -- what the ops dashboard says of its workers --------------------------------------------------------
    "ops.embedded_no_workers": N_("not available on the embedded broker (it has no remote control)"),
    "ops.broker_unreachable": N_("the broker cannot be reached: {error}"),
    "ops.no_worker": N_("no worker serving {queue} answered within {seconds} s"),
    # -- why a message or a command became a dead letter (workers), and what replaying one did --------------
    "dead.unreadable_message": N_("unreadable message: {detail}"),
    "dead.invalid_command": N_("invalid command: {detail}"),
    "dead.not_in_log": N_("command {command} is not in the command log"),
    "dead.not_in_log.id_only": N_(
        "command {command} is not in the command log, and its message carried only its id"),
    "dead.not_in_log.invalid": N_("command {command} is not in the command log, and is invalid: {detail}"),
    "dead.gave_up": (N_("gave up after {count} attempt"), N_("gave up after {count} attempts")),
    "dead.unexpected_error": N_("unexpected error {error} (error id {error_id}; details in the worker log)"),
    "dead.unexpected_error.last": N_(
        "unexpected error {error} (error id {error_id}; details in the worker log) (attempt {attempt} of "
        "{attempts})"),
    "dead.undecodable": N_("undecodable message ({content_type}): {error}"),
    "dead.unknown_format": N_("message of unknown format (not a Celery task)"),
    "dead.unknown_task": N_("unknown task: {error}"),
    "dead.invalid_task": N_("invalid task message: {error}"),
    "dead.request": N_("a request of the queue {queue} (message_id {message_id}) was not applied: {why}"),
    "dead.request.no_reply_to": N_("it has no reply_to (a queue name of 1 to {most} characters) to be answered on"),
    "replay.no_letter": N_("no dead letter {number}"),
    "replay.no_command": N_("it holds no command to replay: {reason}"),
    "replay.not_in_log": N_("command {command} is not in the command log"),
    "replay.not_failed": N_("command {command} is {status}, not failed: nothing to replay"),
    # a command's status (domain.states.CommandStatus) as such a message names it
    "command.status.queued": N_("queued"),
    "command.status.applied": N_("applied"),
    "command.status.pending": N_("pending"),
    "command.status.rejected": N_("rejected"),
    "command.status.superseded": N_("superseded"),
    "command.status.failed": N_("failed"),
    "command.status.expired": N_("expired"),
    "replay.queued": N_("command {command} ({type}) is queued again"),
    "replay.queued.left_to_relay": N_(
        "command {command} ({type}) is queued again; the broker did not take it now: the relay will send it"),
    # -- a text said as it is: from before the codes, or from outside the rules ------------------------------
    "text": "{text}",
}
