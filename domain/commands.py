"""Commands: the versioned wire contract producers send and workers apply (pydantic v2)."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated, Any, Literal, TypeVar, Union
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationInfo,
    model_validator,
)

from domain.emails import checked_email, normal_email
from domain.field_messages import listed, said
from domain.model import SUPPORT, group_key
from domain.passwords import TEMPORARY_SCHEME, is_temporary_hash
from domain.text import (
    CORRELATION_ID_MAX,
    EMAIL_MAX,
    NAME_MAX,
    PASSWORD_HASH_MAX,
    person_or_group_name,
    require_fits,
    require_visible,
)
from languages import SUPPORTED as LANGUAGES

WIRE_VERSION = 1
MAX_BATCH = 5000
JOURNALLED = "journalled"  # validation context: the data comes from the command log, checked on submit
SYSTEM = "system"  # validation context: the system itself builds the command, and may set internal fields
API_SOURCE = "api"  # the source of the commands an API key submits, over HTTP or the broker

_ACCOUNT_NUMBER = re.compile(r"[0-9]{1,12}")
_TYPED_WHITESPACE = frozenset("\t\n\r")  # stripped around an email or actor; refused inside


def _email(value: str, info: ValidationInfo) -> str:
    if info.context and info.context.get(JOURNALLED):
        return value.strip()  # validated in full when it was journalled; workers skip the costly check
    return checked_email(value)


def _actor(value: str, info: ValidationInfo) -> str:
    if info.context and info.context.get(JOURNALLED):
        return _checked_actor(value, journalled=True)
    return _checked_actor(value)


@lru_cache(maxsize=4096)  # a job's rows name a few actors many times over: each is checked once
def _checked_actor(value: str, journalled: bool = False) -> str:
    value = require_visible(value, _TYPED_WHITESPACE).strip()
    if value.isascii() and value.lower() == SUPPORT:  # ASCII only: "ſupport" case-folds to "support" too
        return SUPPORT
    if journalled:
        return value
    try:
        return normal_email(checked_email(value))  # one mailbox, one actor in the audit, however it is typed
    except ValueError:
        raise ValueError(said("actor.invalid", value=repr(value))) from None


def account_number(value: str) -> str:
    """The account number without surrounding spaces; ValueError saying what is malformed."""
    value = value.strip()
    if not _ACCOUNT_NUMBER.fullmatch(value):
        raise ValueError(said("account.malformed", value=repr(value)))
    return value


def language(value: str) -> str:
    """One of the languages envadmin speaks, as its code ("fr"); ValueError naming the value otherwise."""
    code = value.strip().lower()
    if code not in LANGUAGES:
        spoken = listed([said("language.choice", language=known, name=said(f"language.{known}"))
                         for known in LANGUAGES])
        raise ValueError(said("language.unsupported", value=repr(value), spoken=spoken))
    return code


def _group_name(value: str) -> str:
    value = person_or_group_name(value)
    require_fits(group_key(value), NAME_MAX, "text.too_long.group_key")
    return value


def _set_by_the_system(value: object, info: ValidationInfo) -> object:
    # Without a context a command comes from a producer: only the system may name a command to retry.
    if value is not None and not (info.context and (info.context.get(SYSTEM) or info.context.get(JOURNALLED))):
        raise ValueError(said("command.set_by_system"))
    return value


def _visible(value: str) -> str:
    return require_visible(value)


def _password_hash(value: str) -> str:
    if value.startswith(TEMPORARY_SCHEME):
        if not is_temporary_hash(value):
            raise ValueError(said("password_hash.temporary_malformed"))
        return value
    if not value.startswith("$argon2id$"):
        raise ValueError(said("password_hash.not_argon2"))
    return require_visible(value)


def _temporary_hash_expires(command: "CreateAccount | AddUser") -> "CreateAccount | AddUser":
    # A temporary hash is only for a password the system generated, changed at first login; a password the
    # user keeps was chosen by a person (or an upstream system) and is hashed with argon2id.
    if command.password_hash and is_temporary_hash(command.password_hash) and not command.password_expired:
        raise ValueError(said("password_hash.temporary_expires"))
    return command


Email = Annotated[str, Field(max_length=EMAIL_MAX), AfterValidator(_email)]
Actor = Annotated[str, Field(max_length=EMAIL_MAX), AfterValidator(_actor)]
AccountNumber = Annotated[str, AfterValidator(account_number)]
Language = Annotated[str, Field(max_length=16), AfterValidator(language)]
# Names are measured once normalized (whitespace collapsed, NFC, a group's key); the raw bound only stops floods.
Name = Annotated[str, Field(max_length=4 * NAME_MAX), AfterValidator(person_or_group_name)]
GroupName = Annotated[str, Field(max_length=4 * NAME_MAX), AfterValidator(_group_name)]
PasswordHash = Annotated[str, Field(max_length=PASSWORD_HASH_MAX), AfterValidator(_password_hash)]
CorrelationId = Annotated[str, Field(min_length=1, max_length=CORRELATION_ID_MAX), AfterValidator(_visible)]
Source = Literal["cli", "api", "job", "web", "scim"]
RetryOf = Annotated[UUID | None, AfterValidator(_set_by_the_system)]
Activation = Literal["mail"]  # an encrypted-envelope mail with a set-your-password link


class Command(BaseModel):
    """Fields every command carries: identity, time, who, from where."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    v: Literal[1] = WIRE_VERSION
    id: UUID
    issued_at: AwareDatetime
    actor: Actor
    source: Source
    correlation_id: CorrelationId
    account: AccountNumber


# The way a new user does not sign in is left off the wire: a command with a password hash carries no activation
# field, so a worker that does not know the field (during a rolling upgrade) still reads it.
_LEFT_OUT_WHEN_NONE = Field(None, exclude_if=lambda value: value is None)


class NewUser(Command):
    """A command that may create a user: given a temporary password's hash, or activated by mail (no password
    until the person sets one through the mailed link)."""

    @model_validator(mode="after")
    def _one_way_to_sign_in(self):
        if self.password_hash is None and self.activation is None:
            raise ValueError(said("sign_in.required"))
        if self.password_hash is not None and self.activation is not None:
            raise ValueError(said("sign_in.exclusive"))
        return _temporary_hash_expires(self)


class CreateAccount(NewUser):
    """Support opens an account with its first administrator."""

    type: Literal["create_account"] = "create_account"
    name: Name
    admin_email: Email
    first_name: Name
    last_name: Name
    password_hash: PasswordHash | None = _LEFT_OUT_WHEN_NONE
    password_expired: bool = True
    activation: Activation | None = _LEFT_OUT_WHEN_NONE
    language: Language | None = _LEFT_OUT_WHEN_NONE  # None: English


class AddUser(NewUser):
    """An administrator creates a user with a temporary password, or one activated by mail (the console's
    "Add User")."""

    type: Literal["add_user"] = "add_user"
    email: Email
    first_name: Name
    last_name: Name
    password_hash: PasswordHash | None = _LEFT_OUT_WHEN_NONE
    password_expired: bool = True
    activation: Activation | None = _LEFT_OUT_WHEN_NONE


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
    group: GroupName


class RenameGroup(Command):
    """Give a group another name."""

    type: Literal["rename_group"] = "rename_group"
    group: GroupName
    new_name: GroupName


class DeleteGroup(Command):
    """Remove a group and its memberships."""

    type: Literal["delete_group"] = "delete_group"
    group: GroupName


class AddMember(Command):
    """Add a user to a group of the account (or invite the email and keep the membership pending)."""

    type: Literal["add_member"] = "add_member"
    group: GroupName
    email: Email
    retry_of: RetryOf = None


class InviteUser(Command):
    """Invite an email ahead of time; the grant it carries: admin, or membership of `group`."""

    type: Literal["invite_user"] = "invite_user"
    email: Email
    group: GroupName | None = None


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
    group: GroupName
    email: Email


class DisableUser(Command):
    """The user can no longer act in the account: not an administrator there, and, once disabled in every account
    they belong to, unable to sign in; their sessions end."""

    type: Literal["disable_user"] = "disable_user"
    email: Email


class EnableUser(Command):
    """A disabled user of the account is active again."""

    type: Literal["enable_user"] = "enable_user"
    email: Email


class RemoveUser(Command):
    """The person is no longer a user of the account: their memberships of its groups, and their grants still
    pending in it, go."""

    type: Literal["remove_user"] = "remove_user"
    email: Email


class ResetPassword(Command):
    """A new temporary password (expired: changed at the next sign-in), or an activation mail whose link lets the
    person set one; their sessions end."""

    type: Literal["reset_password"] = "reset_password"
    email: Email
    password_hash: PasswordHash | None = _LEFT_OUT_WHEN_NONE
    activation: Activation | None = _LEFT_OUT_WHEN_NONE
    # False: the password is the person's own, set by their identity provider (SCIM), not changed at next sign-in
    password_expired: bool = Field(True, exclude_if=lambda expired: expired)

    @model_validator(mode="after")
    def _one_way_to_sign_in(self):
        if (self.password_hash is None) == (self.activation is None):
            raise ValueError(said("sign_in.either"))
        if self.activation is not None and not self.password_expired:
            raise ValueError(said("sign_in.expired_without_hash"))
        return self


class RenameUser(Command):
    """Give the user other first and last names."""

    type: Literal["rename_user"] = "rename_user"
    email: Email
    first_name: Name
    last_name: Name


class SetAccountLanguage(Command):
    """The language the account's mails are written in when their reader's is not known."""

    type: Literal["set_account_language"] = "set_account_language"
    language: Language


# The one table of command types: the wire's union, the type names, the model of each type and (in
# domain.handlers) the handler of each are read from it. A new command type is its model, listed here, and its
# handler; tests/unit/test_command_table.py fails while one of them is missing.
COMMAND_MODELS: tuple[type[Command], ...] = (
    CreateAccount, AddUser, GrantAdmin, RevokeAdmin, CreateGroup, RenameGroup, DeleteGroup, AddMember,
    RemoveMember, InviteUser, ResendInvite, CancelInvite, DisableUser, EnableUser, RemoveUser, ResetPassword,
    RenameUser, SetAccountLanguage,
)
AnyCommand = Annotated[Union[COMMAND_MODELS], Field(discriminator="type")]
command_adapter: TypeAdapter[Command] = TypeAdapter(AnyCommand)
MODEL_OF_TYPE: dict[str, type[Command]] = {model.model_fields["type"].default: model for model in COMMAND_MODELS}
COMMAND_TYPES = tuple(MODEL_OF_TYPE)
C = TypeVar("C", bound=Command)


class CommandBatch(BaseModel):
    """One broker message: 1..N commands, each validated and applied on its own.

    Each item is a command as journalled, or (an onboarding job's message) only its {"id": ..., "issued_at": ...}:
    the worker reads only those and applies the command log's copy."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    v: Literal[1] = WIRE_VERSION
    commands: list[dict] = Field(min_length=1, max_length=MAX_BATCH)
    sent_at: AwareDatetime | None = None  # when the producer (or the relay) sent it; None: not stamped


def system_command(model: type[C], **fields: Any) -> C:
    """A command the system issues itself (the retry of a pending grant): it may set internal fields."""
    return model.model_validate(fields, context={SYSTEM: True})


def parse_command(data: dict, journalled: bool = False) -> Command:
    """Validate one command as it came off the wire, or (journalled) as the command log holds it."""
    return command_adapter.validate_python(data, context={JOURNALLED: True} if journalled else None)


def parse_journalled(text: str) -> Command:
    """A command from the command log's JSON text: parsed and validated in one step, without a dict between."""
    return command_adapter.validate_json(text, context={JOURNALLED: True})
