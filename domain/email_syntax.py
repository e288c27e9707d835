"""What the email syntax check (email_validator) says is wrong, as messages with codes (domain.said), so that a
French reader reads it in French: each sentence the library can say of an address envadmin checks, matched word for
word, its variable part (the characters at fault, a count, an inner reason) a parameter; a sentence the library
adds later stays its English.

Each code's English is the library's own sentence: in English, "invalid email 'x': <why>" reads as the library says.
An inner reason that comes from the IDNA codec (`{error}`) stays as that codec wrote it."""
from __future__ import annotations

from domain.library_sentences import LibrarySentences
from domain.said import N_, Said, Text

_SENTENCES: dict[str, Text] = {
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
    "email.syntax.angle_bracket": N_(
        "An open angle bracket at the start of the email address has to be followed by a close angle bracket at "
        "the end."),
    "email.syntax.two_dashes": N_(
        "An email address cannot have two letters followed by two dashes immediately after the @-sign or after a "
        "period, except Punycode."),
    "email.syntax.international_before_at": N_("Internationalized characters before the @-sign are not supported."),
    "email.syntax.invalid_after_idna": N_(
        "The email address contains invalid characters after the @-sign after IDNA encoding."),
    "email.syntax.fullwidth_at": N_(
        'The email address has the "full-width" at-sign (@) character instead of a regular at-sign.'),
    "email.syntax.small_at": N_(
        'The email address has the "small commercial at" character instead of a regular at-sign.'),
    "email.syntax.not_ascii": N_("The email address is not valid ASCII."),
    "email.syntax.starts_with_period": N_("An email address cannot start with a period."),
    "email.syntax.starts_with_hyphen": N_("An email address cannot start with a hyphen."),
    "email.syntax.period_before_at": N_("An email address cannot have a period immediately before the @-sign."),
    "email.syntax.hyphen_before_at": N_("An email address cannot have a hyphen immediately before the @-sign."),
    "email.syntax.period_after_at": N_("An email address cannot have a period immediately after the @-sign."),
    "email.syntax.hyphen_after_at": N_("An email address cannot have a hyphen immediately after the @-sign."),
    "email.syntax.ends_with_period": N_("An email address cannot end with a period."),
    "email.syntax.ends_with_hyphen": N_("An email address cannot end with a hyphen."),
    # the characters at fault, listed as the library lists them
    "email.syntax.chars_before_at": N_("The email address contains invalid characters before the @-sign: {characters}"),
    "email.syntax.chars_after_at": N_("The part after the @-sign contains invalid characters: {characters}"),
    "email.syntax.unsafe_chars": N_("The email address contains unsafe characters: {characters}"),
    "email.syntax.international_chars_before_at": N_(
        "Internationalized characters before the @-sign are not supported: {characters}"),
    "email.syntax.chars_in_quotes": N_(
        "The email address contains invalid characters in quotes before the @-sign: {characters}"),
    "email.syntax.chars_after_normalization": N_(
        "The part after the @-sign contains invalid characters after Unicode normalization: {characters}"),
    "email.syntax.after_close_quote": N_("Extra character(s) found after close quote: {characters}"),
    # how much too long
    "email.syntax.too_long": (N_("The email address is too long ({count} character too many)."),
                              N_("The email address is too long ({count} characters too many).")),
    "email.syntax.too_long_before_at": (
        N_("The email address is too long before the @-sign ({count} character too many)."),
        N_("The email address is too long before the @-sign ({count} characters too many).")),
    "email.syntax.too_long_after_at": (
        N_("The email address is too long after the @-sign ({count} character too many)."),
        N_("The email address is too long after the @-sign ({count} characters too many).")),
    "email.syntax.too_long_after_idna": (
        N_("The email address is too long after the @-sign ({count} byte too many after IDNA encoding)."),
        N_("The email address is too long after the @-sign ({count} bytes too many after IDNA encoding).")),
    "email.syntax.label_too_long": (
        N_("After the @-sign, periods cannot be separated by so many characters ({count} character too many)."),
        N_("After the @-sign, periods cannot be separated by so many characters ({count} characters too many).")),
    # a reason the IDNA codec gives, or one of the library's sentences, inside the library's sentence
    "email.syntax.after_normalization": N_("After Unicode normalization: {problem}"),
    "email.syntax.not_idna": N_("The part after the @-sign is not valid IDNA ({error})."),
    "email.syntax.domain_invalid": N_("The part after the @-sign is invalid ({error})."),
    "email.syntax.domain_chars": N_("The part after the @-sign contains invalid characters ({error})."),
    "email.syntax.invalid_when_normalized": N_(
        "The part after the @-sign became invalid after normalizing to international characters ({error})."),
}
_READ = LibrarySentences(_SENTENCES, inner="problem")


def syntax_problem(text: str) -> Said:
    """The library's sentence as a message: its code and parameters where it is one the library says, else the
    text as it is."""
    return _READ.said(text)
