"""What the csv and json modules say of a line they cannot read, and what a JSON value is, as messages of
domain.said: an onboarding file's row reason ("cannot be read as CSV: …", "is not valid JSON: …") is then read
in its reader's language, also when read back from the store later."""
from __future__ import annotations

from domain.library_sentences import LibrarySentences
from domain.said import MESSAGES, N_, Said, said

_CSV = LibrarySentences({
    "csv.unexpected_end": N_("unexpected end of data"),
    "csv.after_quote": N_("{delimiter} expected after {quote}"),
    "csv.field_limit": N_("field larger than field limit ({limit})"),
    "csv.nul": N_("line contains NUL"),
    "csv.newline_unquoted": N_(
        "new-line character seen in unquoted field - do you need to open the file with newline=''?"),
})
# The json module's words (a JSONDecodeError's `msg`, before ": line 1 column 6 (char 5)"), each said as a whole
# phrase that the row's reason follows with "at column N".
_JSON_CODES = {
    "Expecting value": "json.expecting_value",
    "Expecting property name enclosed in double quotes": "json.expecting_name",
    "Expecting ':' delimiter": "json.expecting_colon",
    "Expecting ',' delimiter": "json.expecting_comma",
    "Unterminated string starting at": "json.unterminated_string",
    "Invalid \\escape": "json.invalid_escape",
    "Invalid \\uXXXX escape": "json.invalid_unicode_escape",
    "Extra data": "json.extra_data",
    "Invalid control character at": "json.control_character",
    "Illegal trailing comma before end of object": "json.trailing_comma_object",
    "Illegal trailing comma before end of array": "json.trailing_comma_array",
}
MESSAGES.update({
    "json.expecting_value": N_("a value is expected"),
    "json.expecting_name": N_("a key in double quotes is expected"),
    "json.expecting_colon": N_("':' is expected"),
    "json.expecting_comma": N_("',' is expected"),
    "json.unterminated_string": N_("an unclosed string starts"),
    "json.invalid_escape": N_("an escape (\\) is not valid"),
    "json.invalid_unicode_escape": N_("a \\uXXXX escape is not valid"),
    "json.extra_data": N_("something follows the object"),
    "json.control_character": N_("a string holds a control character"),
    "json.trailing_comma_object": N_("a comma ends the object"),
    "json.trailing_comma_array": N_("a comma ends the array"),
})
_KINDS = {
    "json.kind.array": N_("array"),
    "json.kind.string": N_("string"),
    "json.kind.number": N_("number"),
    "json.kind.boolean": N_("true or false"),
    "json.kind.null": N_("null"),
}
MESSAGES.update(_KINDS)


def csv_problem(text: str) -> Said:
    """What the csv module said, as a message."""
    return _CSV.said(text)


def json_problem(text: str) -> Said:
    """What the json module said (a JSONDecodeError's `msg`), as a message; as it is if it says more than these."""
    code = _JSON_CODES.get(text)
    return said(code) if code is not None else said("text", text=text)


def json_kind(value: object) -> Said:
    """What JSON calls the value: an array, a string, a number, true or false, null."""
    if isinstance(value, list):
        return said("json.kind.array")
    if isinstance(value, str):
        return said("json.kind.string")
    if isinstance(value, bool):
        return said("json.kind.boolean")
    if value is None:
        return said("json.kind.null")
    return said("json.kind.number")
