"""Secrets masked out of what operators read: a dead letter's payload may be any message, a command or not."""
from __future__ import annotations

import json
import re

from domain.passwords import TEMPORARY_SCHEME

MASK = "***"
# Field names that hold a secret or what stands for one: password_hash, temporary_password, token, token_hash,
# api keys, authorization headers, master keys.
_SECRET_NAME = re.compile(r"pass(word|wd)?|token|secret|credential|authori[sz]ation|api_?key|master_?key|"
                          r"private_?key|hash", re.IGNORECASE)
# Hashes found anywhere in a text, whatever field they sit in.
_HASH_VALUE = re.compile(rf"(?:\$argon2(?:id|i|d)\$|{re.escape(TEMPORARY_SCHEME)})[A-Za-z0-9+/=$,]*")
# `name: value` or `name=value` in text that is not JSON (a truncated message, a query string, a header).
_NAMED_VALUE = re.compile(r"""(?P<name>["']?[\w-]*(?:pass(?:word|wd)?|token|secret|hash)[\w-]*["']?\s*[:=]\s*)"""
                          r"""(?P<value>"(?:[^"\\]|\\.)*"?|'[^']*'?|[^\s,;&}\]]+)""", re.IGNORECASE)


def masked_text(text: str) -> str:
    """The text with every secret it holds replaced by ***: a JSON document field by field, else by pattern."""
    try:
        document = json.loads(text)
    except ValueError:
        return _masked_plain(text)
    if not isinstance(document, (dict, list)):
        return _masked_plain(text)
    return json.dumps(masked(document), ensure_ascii=False)


def masked(value: object) -> object:
    """A copy of decoded JSON with the value of every secret-named field, and every hash, replaced by ***."""
    if isinstance(value, dict):
        return {key: MASK if _is_secret(key, value[key]) else masked(value[key]) for key in value}
    if isinstance(value, list):
        return [masked(item) for item in value]
    if isinstance(value, str):
        return masked_text(value) if value[:1] in ("{", "[") else _masked_plain(value)
    return value


def without_hashes(text: str) -> str:
    """The text with every password hash replaced by ***: for sentences the system wrote, such as reasons."""
    return _HASH_VALUE.sub(MASK, text)


def _is_secret(key: object, value: object) -> bool:
    # A flag (password_expired) or an absent value tells nothing of a secret.
    return isinstance(key, str) and _SECRET_NAME.search(key) is not None and not isinstance(value, (bool, type(None)))


def _masked_plain(text: str) -> str:
    return _NAMED_VALUE.sub(_mask_value, without_hashes(text))


def _mask_value(match: re.Match) -> str:
    value = match.group("value")
    quote = value[0] if value[:1] in ("'", '"') else ""
    return f"{match.group('name')}{quote}{MASK}{quote}"
