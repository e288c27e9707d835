"""What the email syntax check (email_validator) says is wrong, as messages with codes (domain.said), so that a
French reader reads it in French: its usual sentences, matched word for word; any other stays its English.

Each code's English is the library's own sentence: in English, "invalid email 'x': <why>" reads as the library says."""
from __future__ import annotations

from domain.said import MESSAGES, N_, Said, said

# The library's sentences that are whole, and those that end listing the characters at fault.
_WHOLE = {
    "email.syntax.no_at": N_("An email address must have an @-sign."),
    "email.syntax.nothing_before_at": N_("There must be something before the @-sign."),
    "email.syntax.nothing_after_at": N_("There must be something after the @-sign."),
    "email.syntax.no_period": N_("The part after the @-sign is not valid. It should have a period."),
    "email.syntax.no_tld": N_("The part after the @-sign is not valid. It is not within a valid top-level domain."),
    "email.syntax.special_use": N_(
        "The part after the @-sign is a special-use or reserved name that cannot be used with email."),
    "email.syntax.two_periods": N_("An email address cannot have two periods in a row."),
    "email.syntax.period_hyphen": N_("An email address cannot have a period and a hyphen next to each other."),
    "email.syntax.after_address": N_("There can't be anything after the email address."),
    "email.syntax.invalid_character": N_("The email address contains an invalid character."),
    "email.syntax.invalid_before_at": N_("The email address contains invalid characters before the @-sign."),
    "email.syntax.quoted": N_("Quoting the part before the @-sign is not allowed here."),
    "email.syntax.ip_address": N_("A bracketed IP address after the @-sign is not allowed here."),
    "email.syntax.display_name": N_(
        "A display name and angle brackets around the email address are not permitted here."),
}
_LISTING = {
    "email.syntax.chars_before_at": N_("The email address contains invalid characters before the @-sign: {characters}"),
    "email.syntax.chars_after_at": N_("The part after the @-sign contains invalid characters: {characters}"),
    "email.syntax.unsafe_chars": N_("The email address contains unsafe characters: {characters}"),
}
MESSAGES.update(_WHOLE)
MESSAGES.update(_LISTING)

_CODE_OF_SENTENCE = {text: code for code, text in _WHOLE.items()}
_LISTING_PREFIXES = [(text.removesuffix("{characters}"), code) for code, text in _LISTING.items()]


def syntax_problem(text: str) -> Said:
    """The library's sentence as a message: its code where it is one of the usual ones, else the text as it is."""
    code = _CODE_OF_SENTENCE.get(text)
    if code is not None:
        return said(code)
    for prefix, code in _LISTING_PREFIXES:
        if text.startswith(prefix):
            return said(code, characters=text.removeprefix(prefix))
    return said("text", text=text)
