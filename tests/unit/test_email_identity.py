"""Two addresses are one person only where mail systems say so: ASCII letter case and the domain's IDNA forms."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain.model import ADMIN_GROUP_KEY, email_key
from domain.validation import describe

from .handler_steps import ALICE, add_user, apply, grant


def refusal(cmd_factory, *args, **kwargs) -> str:
    with pytest.raises(ValidationError) as raised:
        cmd_factory(*args, **kwargs)
    return describe(raised.value)


def is_admin(repo, email: str) -> bool:
    return repo.is_member("1001", ADMIN_GROUP_KEY, email_key(email))


def test_a_grant_to_strasse_with_an_eszett_does_not_make_strasse_an_administrator(repo):
    apply(repo, add_user("strasse@acme.example", actor=ALICE))

    outcome = apply(repo, grant("straße@acme.example", actor=ALICE))

    assert not is_admin(repo, "strasse@acme.example")
    assert outcome.status == "pending"  # straße has no user yet: invited
    assert [invite.email for invite, _, _ in repo.mails] == ["straße@acme.example"]


@pytest.mark.parametrize("same, other", [
    ("Kim@ACME.example", "kim@acme.example"),
    ("idn@BÜCHER.example", "idn@xn--bcher-kva.example"),
    ("idn@Bücher.Example", "IDN@XN--BCHER-KVA.EXAMPLE"),
    ("e\u0301mile@example.fr", "\u00e9mile@example.fr"),  # decomposed and composed: one NFC form
])
def test_what_mail_systems_treat_alike_has_one_key(same, other):
    assert email_key(same) == email_key(other)


@pytest.mark.parametrize("one, other", [
    ("straße@acme.example", "strasse@acme.example"),
    ("\u00c9mile@example.fr", "\u00e9mile@example.fr"),  # beyond ASCII, the letter case of a local part counts
    ("ǆ@example.com", "dž@example.com"),
])
def test_what_mail_systems_tell_apart_has_two_keys(one, other):
    assert email_key(one) != email_key(other)


def test_the_key_of_an_idn_domain_is_its_a_label_form():
    assert email_key("Idn@Bücher.Example") == "idn@xn--bcher-kva.example"


@pytest.mark.parametrize("email, named", [
    ("\u212aim@acme.example", "U+212A (KELVIN SIGN)"),
    ("\uff4bim@acme.example", "U+FF4B (FULLWIDTH LATIN SMALL LETTER K)"),
    ("\ufb01le@acme.example", "U+FB01 (LATIN SMALL LIGATURE FI)"),
    ("x\u00b2@acme.example", "U+00B2 (SUPERSCRIPT TWO)"),
])
def test_a_compatibility_character_in_the_local_part_is_refused(email, named):
    message = refusal(grant, email, actor=ALICE)

    assert message.startswith("email: invalid email"), message
    assert named in message and "compatibility" in message


@pytest.mark.parametrize("email, scripts", [
    ("\u0430lice@acme.example", "Cyrillic, Latin"),         # a Cyrillic а in a Latin name
    ("p\u0430yp\u0430l@acme.example", "Cyrillic, Latin"),
    ("\u03bfscar@acme.example", "Greek, Latin"),            # a Greek omicron
])
def test_a_local_part_mixing_scripts_is_refused(email, scripts):
    message = refusal(grant, email, actor=ALICE)

    assert message.startswith("email: invalid email"), message
    assert f"mixes scripts ({scripts})" in message


@pytest.mark.parametrize("email, label, scripts", [
    ("bob@\u0430cme.example", "\u0430cme", "Cyrillic, Latin"),              # a Cyrillic а in acme
    ("bob@xn--cme-5cd.example", "\u0430cme", "Cyrillic, Latin"),              # the same, as its A-label
    ("bob@mail.g\u03bfogle.example", "g\u03bfogle", "Greek, Latin"),         # a Greek omicron, in a sub-domain
    ("bob@\u0430cme.\uff45xample", "\u0430cme", "Cyrillic, Latin"),          # fullwidth ｅ mapped first
])
def test_a_domain_label_mixing_scripts_is_refused(email, label, scripts):
    message = refusal(grant, email, actor=ALICE)

    assert message.startswith("email: invalid email"), message
    assert f"the domain label {label!r} mixes scripts ({scripts})" in message


def test_an_actor_is_held_to_the_same_rules():
    message = refusal(grant, "bob@example.com", actor="\u0430lice@example.com")

    assert message.startswith("actor: ")


@pytest.mark.parametrize("email", [
    "\u0430\u043b\u0438\u0441\u0430@acme.example",       # all Cyrillic
    "\u03b4\u03bf\u03ba\u03b9\u03bc\u03ae@acme.example",  # all Greek
    "山田たろう@example.jp",                                 # Han with Hiragana: one writing system
    "jörg.müller-2@bücher.example",
    "e\u0301mile@example.fr",
    "bob@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444",  # an all-Cyrillic domain
    "bob@\u043f\u0440\u0438\u043c\u0435\u0440.example",         # labels of different scripts, each of one
    "bob@xn--bcher-kva.example",
    "taro@\u5c71\u7530\u305f\u308d\u3046.example",            # Han with Hiragana in one label
])
def test_single_script_addresses_are_accepted(email):
    assert grant(email, actor=ALICE).email


def test_an_address_is_kept_in_composed_form():
    assert grant("e\u0301mile@example.fr", actor=ALICE).email == "\u00e9mile@example.fr"


def test_a_decomposed_and_a_composed_spelling_are_the_same_user(repo):
    apply(repo, add_user("e\u0301mile@example.fr", actor=ALICE))

    outcome = apply(repo, grant("\u00e9mile@example.fr", actor=ALICE))

    assert outcome.status == "applied" and is_admin(repo, "e\u0301mile@example.fr")
