"""A count as a page shows it: grouped the way the page's language groups digits ("100,000" in English, "100 000"
in French), in a cell (`count` filter) and in a sentence whose plural it chooses (`{% trans count=… %}`)."""
from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from producers.web.language import current_language


def count(value: Any) -> Any:
    """An integer grouped for the page's language; anything else as it is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return format_decimal(value, locale=current_language())
    return value


def group_counts_in_sentences(env: Environment) -> None:
    """The count a translated sentence chooses its plural by is shown grouped; the plural is still chosen by the
    number. Installed after the i18n extension's callables (newstyle), which it wraps."""
    chosen_by_number = env.globals["ngettext"]

    @pass_context
    def ngettext(__context: Context, __singular: str, __plural: str, __num: int, **variables: Any) -> str:
        if "count" in variables:
            variables["count"] = count(variables["count"])
        return chosen_by_number(__context, __singular, __plural, __num, **variables)

    env.globals["ngettext"] = ngettext
