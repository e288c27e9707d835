"""Commands: the versioned wire contract producers send and workers apply (pydantic v2)."""
from __future__ import annotations

import re
from typing import Annotated, Any, Literal, TypeVar, Union
from uuid import UUID

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, ValidationInfo

from domain.model import SUPPORT

WIRE_VERSION = 1
MAX_BATCH = 5000
JOURNALLED = "journalled"  # validation context: the data comes from the command log, checked on submit
SYSTEM = "system"  # validation context: the system itself builds the command, and may set internal fields

_ACCOUNT_NUMBER = re.compile(r"[0-9]{1,12}")
# A strict subset of what email_validator accepts: ASCII, a dot-atom local part of common characters, and
# host labels that start and end with a letter or digit under a letters-only top-level domain.
_PLAIN_EMAIL = re.compile(r"(?P<local>[A-Za-z0-9_%+-]{1,64}(?:\.[A-Za-z0-9_%+-]+)*)"
                          r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})")
_SPECIAL_USE_TLDS = frozenset(SPECIAL_USE_DOMAIN_NAMES)


def plainly_valid_email(value: str) -> bool:
    """True for the everyday addresses email_validator surely accepts; False means "ask it"."""
    match = _PLAIN_EMAIL.fullmatch(value)
    return (match is not None and len(value) <= 254 and len(match["local"]) <= 64 and "--" not in match["domain"]
            and match["domain"].rsplit(".", 1)[1].lower() not in _SPECIAL_USE_TLDS)


def _email(value: str, info: ValidationInfo) -> str:
    value = value.strip()
    if info.context and info.context.get(JOURNALLED):
        return value  # validated in full when it was journalled; workers skip the costly check
    if plainly_valid_email(value):
        return value  # the full check costs more than the rest of a command's validation
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as e:
        raise ValueError(f"invalid email {value!r}: {e}") from None
    return value


def _actor(value: str, info: ValidationInfo) -> str:
    value = value.strip()
    if value.casefold() == SUPPORT:
        return SUPPORT
    try:
        return _email(value, info)
    except ValueError:
        raise ValueError(f"actor must be an email or the word 'support', not {value!r}") from None


def account_number(value: str) -> str:
    """The account number without surrounding spaces; ValueError saying what is malformed."""
    value = value.strip()
    if not _ACCOUNT_NUMBER.fullmatch(value):
        raise ValueError(f"malformed account number {value!r}: expected 1 to 12 digits")
    return value


def _name(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValueError("must not be empty")
    return value


def _set_by_the_system(value: object, info: ValidationInfo) -> object:
    # Without a context a command comes from a producer: only the system may name a command to retry.
    if value is not None and not (info.context and (info.context.get(SYSTEM) or info.context.get(JOURNALLED))):
        raise ValueError("is set by the system (the retry of a pending grant); a producer cannot send it")
    return value


def _password_hash(value: str) -> str:
    if not value.startswith("$argon2id$"):
        raise ValueError("must be an argon2id hash; a clear password is never sent")
    return value


Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]
Actor = Annotated[str, Field(max_length=254), AfterValidator(_actor)]
AccountNumber = Annotated[str, AfterValidator(account_number)]
Name = Annotated[str, Field(max_length=200), AfterValidator(_name)]
PasswordHash = Annotated[str, Field(max_length=512), AfterValidator(_password_hash)]
Source = Literal["cli", "api", "job"]
RetryOf = Annotated[UUID | None, AfterValidator(_set_by_the_system)]


class Command(BaseModel):
    """Fields every command carries: identity, time, who, from where."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    v: Literal[1] = WIRE_VERSION
    id: UUID
    issued_at: AwareDatetime
    actor: Actor
    source: Source
    correlation_id: str = Field(min_length=1, max_length=128)
    account: AccountNumber


class CreateAccount(Command):
    """Support opens an account with its first administrator."""

    type: Literal["create_account"] = "create_account"
    name: Name
    admin_email: Email
    first_name: Name
    last_name: Name
    password_hash: PasswordHash
    password_expired: bool = True


class AddUser(Command):
    """An administrator creates a user with a temporary password (the console's "Add User")."""

    type: Literal["add_user"] = "add_user"
    email: Email
    first_name: Name
    last_name: Name
    password_hash: PasswordHash
    password_expired: bool = True


class GrantAdmin(Command):
    """Make a user an administrator of the account (or invite the email and keep the grant pending)."""

    type: Literal["grant_admin"] = "grant_admin"
    email: Email
    retry_of: RetryOf = None


class RevokeAdmin(Command):
    """Take administrator rights away from a user."""

    type: Literal["revoke_admin"] = "revoke_admin"
    email: Email


class CreateGroup(Command):
    """Add a named group to the account."""

    type: Literal["create_group"] = "create_group"
    group: Name


class RenameGroup(Command):
    """Give a group another name."""

    type: Literal["rename_group"] = "rename_group"
    group: Name
    new_name: Name


class DeleteGroup(Command):
    """Remove a group and its memberships."""

    type: Literal["delete_group"] = "delete_group"
    group: Name


class AddMember(Command):
    """Add a user to a group of the account (or invite the email and keep the membership pending)."""

    type: Literal["add_member"] = "add_member"
    group: Name
    email: Email
    retry_of: RetryOf = None


class InviteUser(Command):
    """Invite an email ahead of time; the grant it carries: admin, or membership of `group`."""

    type: Literal["invite_user"] = "invite_user"
    email: Email
    group: Name | None = None


class ResendInvite(Command):
    """Replace the live invite of an email with a new one: a new token, the old one stops working."""

    type: Literal["resend_invite"] = "resend_invite"
    email: Email


class CancelInvite(Command):
    """Cancel the invite of an email and the grants waiting on it."""

    type: Literal["cancel_invite"] = "cancel_invite"
    email: Email


class RemoveMember(Command):
    """Remove a user from a group of the account."""

    type: Literal["remove_member"] = "remove_member"
    group: Name
    email: Email


AnyCommand = Annotated[
    Union[
        CreateAccount, AddUser, GrantAdmin, RevokeAdmin, CreateGroup,
        RenameGroup, DeleteGroup, AddMember, RemoveMember, InviteUser, ResendInvite, CancelInvite,
    ],
    Field(discriminator="type"),
]
command_adapter: TypeAdapter[Command] = TypeAdapter(AnyCommand)
C = TypeVar("C", bound=Command)


class CommandBatch(BaseModel):
    """One broker message: 1..N commands, each validated and applied on its own."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    v: Literal[1] = WIRE_VERSION
    commands: list[dict] = Field(min_length=1, max_length=MAX_BATCH)
    sent_at: AwareDatetime | None = None  # when the producer (or the relay) sent it; older messages have none


def system_command(model: type[C], **fields: Any) -> C:
    """A command the system issues itself (the retry of a pending grant): it may set internal fields."""
    return model.model_validate(fields, context={SYSTEM: True})


def parse_command(data: dict, journalled: bool = False) -> Command:
    """Validate one command as it came off the wire, or (journalled) as the command log holds it."""
    return command_adapter.validate_python(data, context={JOURNALLED: True} if journalled else None)
