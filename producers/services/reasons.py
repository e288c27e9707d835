"""A command's reason as its reader reads it: the journal keeps it in English and as stable codes with their
parameters (domain.said); each reader gets the codes' text in their language, and the code itself for programs.
A reason journalled without codes shows as it was written."""
from __future__ import annotations

from domain.said import in_language
from languages import DEFAULT, from_accept_language, reader


def in_reader_language(found: dict, language: str) -> dict:
    """A read of the journal ({"reason", "reason_said", ...}) as `language` shows it: "reason" in that language,
    "reason_code" its stable code (None when it has none), "reason_said" taken out."""
    stored = found.pop("reason_said", None)
    found["reason_code"] = stored[0][0] if stored else None
    found["reason"] = in_language(stored, found.get("reason"), reader(language))
    return found


def reader_language(request) -> str:
    """The language an HTTP request's Accept-Language asks for, if envadmin speaks it; else English."""
    return from_accept_language(request.headers.get("accept-language")) or DEFAULT
