"""The catalogues people read envadmin through: every text the sources mark for translation is in the template
(languages/messages.pot) and translated into French, with the same placeholders; the compiled catalogues shipped
are those of the .po files."""
from __future__ import annotations

import io
import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from languages import LOCALE_DIR, SUPPORTED, translations

ROOT = LOCALE_DIR.parent.parent
TRANSLATED = [language for language in SUPPORTED if language != "en"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


def source_messages() -> set[str]:
    """What `make messages` would extract now."""
    with open(ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options_map):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalogue(language: str):
    with open(LOCALE_DIR / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=language)


def test_the_template_holds_every_message_the_sources_mark():
    with open(LOCALE_DIR.parent / "messages.pot", "rb") as pot:
        template = {message.id if isinstance(message.id, str) else message.id[0] for message in read_po(pot)
                    if message.id}
    assert source_messages() == template, "run `make messages`, then translate what is new"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_with_the_same_placeholders(language):
    messages = [message for message in catalogue(language) if message.id]
    assert {m.id if isinstance(m.id, str) else m.id[0] for m in messages} >= source_messages()
    for message in messages:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings) and not message.fuzzy, f"{language}: no translation of {ids[0]!r}"
        expected = sorted(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            assert sorted(PLACEHOLDER.findall(string)) == expected, f"{language}: placeholders of {ids[0]!r}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalogue_is_the_po_files(language):
    compiled = io.BytesIO()
    write_mo(compiled, catalogue(language))
    shipped = (LOCALE_DIR / language / "LC_MESSAGES" / "messages.mo").read_bytes()
    assert shipped == compiled.getvalue(), "run `make catalogues`"
    assert translations(language).gettext("Sign in") != "Sign in"


def test_in_french_no_thing_and_one_thing_are_singular_and_more_are_plural():
    singular = "Please wait %(seconds)s second, then try again."
    plural = "Please wait %(seconds)s seconds, then try again."
    said = [translations("fr").ngettext(singular, plural, n) for n in (0, 1, 2, 45)]
    assert said == ["Patientez %(seconds)s seconde, puis réessayez."] * 2 + [
        "Patientez %(seconds)s secondes, puis réessayez."] * 2
