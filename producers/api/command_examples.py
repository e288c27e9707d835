"""One example of each command type as POST /v1/commands takes it, for the published schema.

Each is a command the API accepts as it stands (tests post every one); in this order they tell a story on one
account: it is opened, its mails set to French, a user added, renamed, given a new password, disabled and enabled, made an administrator and
unmade, a group made, renamed and filled, an invite
to it sent, sent again and cancelled, then the group emptied and deleted, and the user removed from the account.
"""
from __future__ import annotations

from domain.commands import COMMAND_TYPES

ACCOUNT = "1001"
ADMIN, USER, INVITEE = "alice@example.com", "bob@example.com", "carol@example.com"
# An argon2id hash of a temporary password: the API never takes a clear password.
EXAMPLE_PASSWORD_HASH = ("$argon2id$v=19$m=65536,t=3,p=4$BpEkzE4LZTfc95PGBO1Haw$"
                         "TT2A+Ccjh+ocQWOuU8Q30IDydJ25cKCrnAZGS6WFjGw")

COMMAND_EXAMPLES: dict[str, dict] = {
    "create_account": {"type": "create_account", "actor": "support", "account": ACCOUNT, "name": "Acme",
                       "admin_email": ADMIN, "first_name": "Alice", "last_name": "Admin", "activation": "mail",
                       "correlation_id": "hr-ticket-4711"},
    "set_account_language": {"type": "set_account_language", "actor": ADMIN, "account": ACCOUNT, "language": "fr"},
    "add_user": {"type": "add_user", "actor": ADMIN, "account": ACCOUNT, "email": USER, "first_name": "Bob",
                 "last_name": "Builder", "password_hash": EXAMPLE_PASSWORD_HASH, "password_expired": True},
    "rename_user": {"type": "rename_user", "actor": ADMIN, "account": ACCOUNT, "email": USER, "first_name": "Robert",
                    "last_name": "Builder"},
    "reset_password": {"type": "reset_password", "actor": ADMIN, "account": ACCOUNT, "email": USER,
                       "activation": "mail"},
    "disable_user": {"type": "disable_user", "actor": ADMIN, "account": ACCOUNT, "email": USER},
    "enable_user": {"type": "enable_user", "actor": ADMIN, "account": ACCOUNT, "email": USER},
    "grant_admin": {"type": "grant_admin", "actor": ADMIN, "account": ACCOUNT, "email": USER},
    "revoke_admin": {"type": "revoke_admin", "actor": ADMIN, "account": ACCOUNT, "email": USER},
    "create_group": {"type": "create_group", "actor": ADMIN, "account": ACCOUNT, "group": "Engineering"},
    "rename_group": {"type": "rename_group", "actor": ADMIN, "account": ACCOUNT, "group": "Engineering",
                     "new_name": "Platform"},
    "add_member": {"type": "add_member", "actor": ADMIN, "account": ACCOUNT, "group": "Platform", "email": USER},
    "invite_user": {"type": "invite_user", "actor": ADMIN, "account": ACCOUNT, "email": INVITEE,
                    "group": "Platform"},
    "resend_invite": {"type": "resend_invite", "actor": ADMIN, "account": ACCOUNT, "email": INVITEE},
    "cancel_invite": {"type": "cancel_invite", "actor": ADMIN, "account": ACCOUNT, "email": INVITEE},
    "remove_member": {"type": "remove_member", "actor": ADMIN, "account": ACCOUNT, "group": "Platform",
                      "email": USER},
    "delete_group": {"type": "delete_group", "actor": ADMIN, "account": ACCOUNT, "group": "Platform"},
    "remove_user": {"type": "remove_user", "actor": ADMIN, "account": ACCOUNT, "email": USER},
}
assert set(COMMAND_EXAMPLES) == set(COMMAND_TYPES), "every command type has its example"
