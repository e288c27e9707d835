"""What the rules of a command's fields say about a bad value: each problem a message of domain.said (a code and
its parameters), so a form, the API and the CLI show it in their reader's language while its English stays the
text a program or a log reads.

A validator raises `ValueError(said(...))`; pydantic keeps that exception beside its own wording, and
domain.validation gives it back. The codes are registered into domain.said.MESSAGES here, beside the rules they
name; the fields' labels too, so that "email: invalid email ..." is one message, "{field}: {problem}", never two
fragments put together.
"""
from __future__ import annotations

from domain.said import MESSAGES, N_, Said, as_message, said

FIELD_MESSAGES = {
    # -- a field and what is wrong with it ----------------------------------------------------------------------
    "field.problem": N_("{field}: {problem}"),
    "field.required": N_("is required"),
    "field.unknown": N_("is not a known field"),
    "field.email": N_("email"),
    "field.admin_email": N_("admin email"),
    "field.first_name": N_("first name"),
    "field.last_name": N_("last name"),
    "field.account": N_("account number"),
    "field.new_name": N_("new name"),
    "field.name": N_("name"),
    "field.group": N_("group"),
    "field.password": N_("password"),
    "field.language": N_("language"),
    "field.unknown.more": (N_("and {count} more unknown field"), N_("and {count} more unknown fields")),
    "field.server_assigned": N_("is assigned by the server"),
    "field.clear_password": N_("a clear password is never accepted; send password_hash, an argon2id hash"),
    "field.command_type": N_("unknown command type {value}; expected one of {types}"),
    "value.command_object": N_("expected a command object"),
    "list.more": N_("{first}, {rest}"),
    "list.problems": N_("{first}; {rest}"),
    # pydantic's own checks of a value's type and size, in pydantic's words
    "value.string_type": N_("Input should be a valid string"),
    "value.bool": N_("Input should be a valid boolean"),
    "value.bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "value.literal": N_("Input should be {expected}"),
    "value.string_too_long": (N_("String should have at most {count} character"),
                              N_("String should have at most {count} characters")),
    "value.string_too_short": (N_("String should have at least {count} character"),
                               N_("String should have at least {count} characters")),
    "value.uuid": N_("Input should be a valid UUID"),
    "value.int": N_("Input should be a valid integer"),
    "value.int_too_large": N_("Input is a number too large to read"),
    "value.object": N_("Input should be a valid dictionary or object"),
    "value.list": N_("Input should be a valid list"),
    "value.list_too_short": (N_("List should have at least {count} item"),
                             N_("List should have at least {count} items")),
    "value.list_too_long": (N_("List should have at most {count} item"), N_("List should have at most {count} items")),
    "value.datetime": N_("Input should be a valid datetime"),
    "value.timezone_aware": N_("Input should have timezone info"),
    "value.float": N_("Input should be a valid number"),
    "value.float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "value.at_least": N_("Input should be greater than or equal to {bound}"),
    "value.more_than": N_("Input should be greater than {bound}"),
    "value.at_most": N_("Input should be less than or equal to {bound}"),
    "value.less_than": N_("Input should be less than {bound}"),
    # -- the rules of each kind of value ------------------------------------------------------------------------
    "password.too_short": N_("password must be at least {minimum} characters long"),
    "password.too_long": N_("password must be at most {maximum} characters long"),
    "text.control": N_("must not contain a control character: {character}"),
    "text.invisible": N_("must not contain an invisible character: {character}"),
    "text.empty": N_("must not be empty"),
    "text.too_long": N_("is too long: {length} characters, at most {maximum}"),
    "text.too_long.group_key": N_(
        "is too long once normalized as a group key (case-folded): {length} characters, at most {maximum}"),
    "email.invalid": N_("invalid email {value}: {problem}"),
    "email.local_part": N_("invalid email {value}: the part before the @ {problem}"),
    "email.compatibility": N_("holds {character}, a compatibility form of {plain}: type the plain character"),
    "email.mixed_scripts": N_("mixes scripts ({scripts}), so it can pass for another address: use one script"),
    "email.domain_mixed_scripts": N_(
        "the domain label {label} mixes scripts ({scripts}), so it can pass for another domain: check the "
        "address, each label is written in one script"),
    "email.too_long": N_("invalid email {value}: too long once normalized ({length} characters as {key}, at most "
                         "{maximum})"),
    "actor.invalid": N_("actor must be an email or the word 'support', not {value}"),
    "account.malformed": N_("malformed account number {value}: expected 1 to 12 digits"),
    "language.unsupported": N_("unsupported language {value}: expected one of {spoken}"),
    "language.choice": N_("{language} ({name})"),
    "url.too_long": N_("at most {maximum} characters"),
    "url.not_url": N_("{url} is not a URL"),
    "url.scheme": N_("expected an http:// or https:// URL, not {url}"),
    "url.no_host": N_("{url} names no host"),
    "url.space": N_("{url} holds a space or a control character"),
    "url.credentials": N_("a callback URL carries no user name or password: the signature proves the sender"),
    "command.set_by_system": N_("is set by the system (the retry of a pending grant); a producer cannot send it"),
    "password_hash.temporary_malformed": N_("is not a well-formed temporary password hash"),
    "password_hash.not_argon2": N_("must be an argon2id hash; a clear password is never sent"),
    "password_hash.temporary_expires": N_(
        "password_hash: a temporary password hash needs password_expired true; a password that does not expire "
        "must be an argon2id hash"),
    "sign_in.required": N_(
        "password_hash or activation is required: a temporary password's argon2id hash, or activation 'mail' (the "
        "person sets a password through a mailed link)"),
    "sign_in.exclusive": N_(
        "password_hash and activation exclude each other: a user activated by mail has no password until they set "
        "one"),
    "sign_in.either": N_(
        "give either password_hash (a temporary password's argon2id hash) or activation 'mail' (the person sets a "
        "password through a mailed link)"),
    "sign_in.expired_without_hash": N_(
        "password_expired false is for a password_hash given; activation 'mail' sets none"),
    # -- a row of an onboarding file (producers/onboarding/rows.py): its cell, then what is wrong with it ---------
    "row.action": N_("is {value}; expected one of {actions}"),
    "row.action.empty": N_("is empty; expected one of {actions}"),
    "row.required": N_("is required for {action}"),
    "row.required.more": N_("is required for {action} (also missing: {others})"),
    "row.other_account": N_(
        "is {value}, but this upload is for account {account}; a row for another account is not applied"),
    "row.group_unused": N_("is not used by {action}: use add_member or remove_member for groups"),
    "row.support_only": N_("is {value}, but only support can create accounts"),
    "row.not_uploader": N_("is {value}, but every row of an upload acts as the person who uploaded it, {uploader}"),
    "row.not_job_actor": N_(
        "is {value}, but the job runs --by {actor}; a row names its own actor only when the job is run with "
        "--allow-row-actors"),
    # a row the file reader cannot read (producers/onboarding/reader.py)
    "row.csv_unreadable": N_("cannot be read as CSV: {problem}"),
    "row.too_long": N_("is longer than {maximum} bytes"),
    "row.too_many_cells": N_("has {cells} cells but the header names {columns} columns"),
    "row.not_utf8": N_("is not valid UTF-8"),
    "row.not_utf8_at": N_("is not valid UTF-8 (byte {byte} of the line)"),
    "row.not_json": N_("is not valid JSON: {problem} at column {column}"),
    "row.number_too_long": N_("holds a number too long to be read"),
    "row.too_nested": N_("is nested too deeply to be a row (one flat JSON object)"),
    "row.not_object": N_("is a JSON {kind}, not an object"),
    "row.unknown_column": N_("has an unknown column {column} (known: {known})"),
    "row.not_string": N_("must be a string, not {value}"),
    # -- an onboarding file as a whole ({where}: a place in it)
    "file.where.header": N_("line {line} (header)"),
    "file.where.first_object": N_("line {line} (first object)"),
    "file.few_more": N_("{listed} and {more} more"),
    "file.columns_twice": N_("{where}: column(s) named twice: {names}"),
    "file.columns.unknown": N_("{where}: unknown column(s) {unknown} (known columns: {known})"),
    "file.columns.missing": N_("{where}: missing required column(s) {missing} (known columns: {known})"),
    "file.columns.both": N_(
        "{where}: unknown column(s) {unknown}; missing required column(s) {missing} (known columns: {known})"),
    "file.format_given": N_("--format must be csv or jsonl, not {given}"),
    "file.format_unknown": N_(
        "cannot tell the format of {name} from its extension (.csv, .jsonl or .ndjson): give --format csv or "
        "--format jsonl"),
    "file.header_too_long": N_("{where} {problem}"),
    "file.empty.csv": N_("the file is empty: expected a header line naming the columns (at least {required})"),
    "file.empty.jsonl": N_("the file is empty: expected one JSON object per line"),
    "file.header_unreadable": N_("line {line}: the header cannot be read: {problem}"),
    "file.header_not_utf8": N_("line {line}: the header is not valid UTF-8"),
    # -- onboard's options, the job a --resume names, the file --passwords names
    "onboard.no_file": N_("{path}: no such file"),
    "onboard.by_required": N_("--by is required (who submits the rows)"),
    "onboard.activation_choice": N_("--activation: expected {expected}, not {given}"),
    "onboard.passwords_or_activation": N_(
        "--passwords and --activation are alternatives: give --passwords FILE to hand out temporary passwords "
        "yourself, or --activation mail to mail each new user a link, not both"),
    "onboard.creates_users": N_(
        "{name} line {line} creates a user ({action}): give --passwords FILE (their temporary passwords are written "
        "there) or --activation mail (each gets a mail with a link to set a password); nothing was submitted"),
    "onboard.busy": N_("job {job} is being submitted by another producer right now; follow it with: envadmin job "
                       "show {job}"),
    "resume.unknown": N_("there is no job {job} to resume"),
    "resume.other_file": N_("{name} is not the file job {job} read ({read}): its content differs"),
    "resume.other_actor": N_("job {job} runs --by {actor}, not {given}"),
    "resume.row_actors": N_("job {job} runs with --allow-row-actors"),
    "resume.no_row_actors": N_("job {job} runs without --allow-row-actors"),
    "resume.no_activation": N_("job {job} runs without --activation"),
    "passwords_file.problem": N_("--passwords {path}: {problem}; no password was written there"),
    "passwords_file.no_folder": N_("its folder {folder} does not exist"),
    "passwords_file.symlink": N_("is a symbolic link; give the path of a file"),
    "passwords_file.folder": N_("is a folder"),
    "passwords_file.not_regular": N_("is not a regular file"),
    "passwords_file.owner": N_("belongs to user id {owner}, not to you (user id {you})"),
    "passwords_file.mode": N_("has mode {mode}; it must be 0600 (chmod 600 {path}), or name a new file"),
}
MESSAGES.update(FIELD_MESSAGES)

_LABELS = {"email": "field.email", "admin_email": "field.admin_email", "first_name": "field.first_name",
           "last_name": "field.last_name", "account": "field.account", "new_name": "field.new_name",
           "name": "field.name", "group": "field.group", "password": "field.password", "language": "field.language"}


def field_label(field: str) -> Said:
    """The label of a field as a person reads it ("first name"); a field with no label, as its name."""
    code = _LABELS.get(field)
    return said(code) if code else said("text", text=field)


def listed(items: list[Said]) -> Said:
    """The items as one message: "a, b, c", each in the reader's language."""
    return items[0] if len(items) == 1 else said("list.more", first=items[0], rest=listed(items[1:]))


def problem_list(problems: list[Said]) -> Said:
    """Several problems as one message: "a; b; c", each in the reader's language."""
    if len(problems) == 1:
        return problems[0]
    return said("list.problems", first=problems[0], rest=problem_list(problems[1:]))


def rule_code(message: Said) -> str | None:
    """The code of the rule a message names first ("email.invalid" for "email: invalid email ..."); None for a text
    said as it is."""
    code, params = message.sentences[0]
    if code in ("field.problem", "list.problems"):
        return rule_code(params["problem" if code == "field.problem" else "first"])
    return None if code == "text" else code


def with_echo(message: Said, echoed: str, shown: str) -> Said:
    """The message with the value it repeats (`echoed`, as its repr) shown as `shown` (shortened) wherever a
    parameter holds it."""
    def echo(value: object) -> object:
        if isinstance(value, Said):
            return with_echo(value, echoed, shown)
        return value.replace(repr(echoed), shown) if isinstance(value, str) else value
    return Said(tuple((code, {name: echo(value) for name, value in params.items()})
                      for code, params in message.sentences))


def problem_of(error: ValueError) -> Said:
    """What a ValueError says, as a message: the one a rule raised, else its text as it is."""
    found = error.args[0] if error.args else ""
    return as_message(found if isinstance(found, str) else str(found))


__all__ = ["FIELD_MESSAGES", "Said", "field_label", "listed", "problem_list", "problem_of", "rule_code", "said",
           "with_echo"]

# A row's reason names what the csv and json modules said (domain.parser_sentences): their codes are known wherever
# the fields' are, so a reason read back from the store is shown in its reader's language in any process.
import domain.parser_sentences  # noqa: E402, F401
