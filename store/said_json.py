"""A message of the rules (domain.said) as the store keeps it beside its English text: its codes and parameters in
a JSON column, so that each reader later reads it in their language. A plain text has none."""
from __future__ import annotations

import json

from domain.said import Said


def said_json(text: str | None, as_text: bool = False) -> list | str | None:
    """The JSON of `text`'s codes, or None; `as_text`: as JSON text, as PostgreSQL's bulk statements (arrays,
    binary COPY) take a JSON column."""
    if not isinstance(text, Said):
        return None
    stored = text.stored()
    return json.dumps(stored) if as_text else stored
