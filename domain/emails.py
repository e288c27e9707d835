"""Email addresses: which are accepted, and the key under which two addresses are the same mailbox.

Mail systems treat ASCII letter case alike and a domain alike in all its IDNA forms; nothing else. So the key
is the address in composed form (NFC), its ASCII letters in lower case and its domain in A-labels (xn--);
`straße@` and `strasse@` stay two people. A local part that could pass for another address — compatibility
characters (the Kelvin sign, fullwidth letters) or letters of several scripts — is refused, and so is a domain
label of several scripts (`аcme` with a Cyrillic а); a domain's compatibility characters are mapped by IDNA.
Who acts is recorded in `normal_email`'s form, so one mailbox is one actor however it was typed.
"""
from __future__ import annotations

import re
import unicodedata

import idna
from confusable_homoglyphs import categories
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

from domain.email_syntax import syntax_problem
from domain.field_messages import Said, said
from domain.text import EMAIL_MAX, code_point, require_visible

# A strict subset of what the full check accepts: ASCII, a dot-atom local part of common characters, and
# host labels that start and end with a letter or digit under a letters-only top-level domain.
_PLAIN_EMAIL = re.compile(r"(?P<local>[A-Za-z0-9_%+-]{1,64}(?:\.[A-Za-z0-9_%+-]+)*)"
                          r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})")
_SPECIAL_USE_TLDS = frozenset(SPECIAL_USE_DOMAIN_NAMES)
_SURROUNDING_WHITESPACE = frozenset("\t\n\r")  # stripped, as around any typed value; inside, the check refuses
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_NO_SCRIPT = frozenset({"COMMON", "INHERITED"})  # digits, punctuation, combining marks: any script's
# The script mixes usual in one word (UTS #39, "highly restrictive"): Japanese, Chinese with Bopomofo, Korean.
_ONE_WRITING_SYSTEM = (frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}), frozenset({"LATIN", "HAN", "BOPOMOFO"}),
                       frozenset({"LATIN", "HAN", "HANGUL"}))


def plainly_valid_email(value: str) -> bool:
    """True for the everyday addresses the full check surely accepts; False means "ask it"."""
    match = _PLAIN_EMAIL.fullmatch(value)
    return (match is not None and len(value) <= 254 and len(match["local"]) <= 64 and "--" not in match["domain"]
            and match["domain"].rsplit(".", 1)[1].lower() not in _SPECIAL_USE_TLDS)


def checked_email(value: str) -> str:
    """The address in composed form (NFC), or ValueError saying what is wrong with it."""
    value = require_visible(value, _SURROUNDING_WHITESPACE).strip()
    if plainly_valid_email(value):
        return value  # the full check costs about 30 times more than the rest of a command's validation
    return fully_checked_email(value)


def fully_checked_email(value: str) -> str:
    """The full check, without the fast path: email_validator's syntax, then the rules of identity."""
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as e:
        raise ValueError(said("email.invalid", value=repr(value), problem=syntax_problem(str(e)))) from None
    local, _, domain = value.rpartition("@")
    problem = _lookalike_problem(local)
    if problem:
        raise ValueError(said("email.local_part", value=repr(value), problem=problem))
    problem = _lookalike_domain_problem(domain)
    if problem:
        raise ValueError(said("email.invalid", value=repr(value), problem=problem))
    value = unicodedata.normalize("NFC", value)
    key = email_key(value)
    if len(key) > EMAIL_MAX:
        raise ValueError(said("email.too_long", value=repr(value), length=len(key), key=repr(key), maximum=EMAIL_MAX))
    return value


def _lookalike_problem(local: str) -> Said | None:
    """Why a local part could pass for another one, or None."""
    if local.isascii():
        return None
    for character in local:
        if not unicodedata.is_normalized("NFKC", character):
            return said("email.compatibility", character=code_point(character),
                        plain=repr(unicodedata.normalize("NFKC", character)))
    mixed = _mixed_scripts(local)
    return said("email.mixed_scripts", scripts=mixed) if mixed else None


def _lookalike_domain_problem(domain: str) -> Said | None:
    """Why a domain could pass for another one (a label of several scripts, UTS #39), or None."""
    if domain.isascii() and "xn--" not in domain.lower():
        return None
    try:
        labels = [idna.decode(label) if label.startswith("xn--") else label  # an A-label hides its letters
                  for label in idna.uts46_remap(domain, std3_rules=False, transitional=False).split(".")]
    except idna.IDNAError:
        return None  # not a domain email_validator accepts: it has refused it already
    for label in labels:
        mixed = _mixed_scripts(label)
        if mixed:
            return said("email.domain_mixed_scripts", label=repr(label), scripts=mixed)
    return None


def _mixed_scripts(text: str) -> str | None:
    """The scripts of the text, named, when they are more than one writing system uses in a word; else None."""
    scripts = set(categories.unique_aliases(text)) - _NO_SCRIPT
    if len(scripts) > 1 and not any(scripts <= usual for usual in _ONE_WRITING_SYSTEM):
        return ", ".join(sorted(s.replace("_", " ").title() for s in scripts))
    return None


def email_key(email: str) -> str:
    """The form under which emails are compared: NFC, ASCII letters in lower case, the domain in A-labels."""
    value = email.strip()
    if value.isascii():
        return value.lower()  # lower() of an ASCII string changes ASCII letters only
    value = unicodedata.normalize("NFC", value)
    local, at, domain = value.rpartition("@")
    if not at:
        return value.translate(_ASCII_LOWER)
    return f"{local.translate(_ASCII_LOWER)}@{ascii_domain(domain)}"


def normal_email(email: str) -> str:
    """The form in which an actor is recorded: email_key's mailbox, readable — ASCII letters in lower case and the
    domain in lower-case U-labels (`ALICE@ａ.ＥＸＡＭＰＬＥ` is `alice@a.example`, `bücher.example` stays so)."""
    local, at, domain = email_key(email).rpartition("@")
    if not at or "xn--" not in domain:
        return email_key(email)
    try:
        return f"{local}@{idna.decode(domain)}"
    except idna.IDNAError:
        return f"{local}@{domain}"


def ascii_domain(domain: str) -> str:
    """The domain in lower-case A-labels (bücher.example -> xn--bcher-kva.example), as DNS and SMTP see it."""
    if domain.isascii():
        return domain.lower()
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError:
        return domain.translate(_ASCII_LOWER)  # not a domain the full check accepts: no better form to give
