"""The language of an account's mails (domain.account_settings): English unless support opens the account in
another; set again by the account's administrators or support, never by anyone else; only a language envadmin
speaks. And the person's own language, saved when they register from an invite (domain.registration)."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain.errors import NotAuthorized
from domain.model import SUPPORT, email_key
from domain.registration import register

from .fakes import FakeRepository
from .handler_steps import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    HASH,
    NOW,
    OTHER_HASH,
    STRANGER,
    apply,
    command,
    create_account,
    grant,
    refused,
)


def set_language(language: str, **kw):
    return command("set_account_language", language=language, **kw)


def test_an_account_is_in_english_unless_support_opens_it_in_another_language():
    repo = FakeRepository()
    apply(repo, create_account("1001", ALICE))
    apply(repo, create_account("3003", DAVE, language="fr"))

    assert repo.accounts["1001"].language == "en"
    assert repo.accounts["3003"].language == "fr"


def test_an_administrator_sets_the_accounts_language_and_the_audit_says_so(repo):
    outcome = apply(repo, set_language("fr", actor=ALICE))

    assert repo.accounts["1001"].language == "fr"
    assert outcome.message == ("Account 1001 is now in French: its mails are written in French when their reader's "
                               "language is not known.")
    [entry] = repo.audit
    assert (entry.action, entry.actor, entry.account, entry.detail) == ("account.language_set", ALICE, "1001",
                                                                        "now French")


def test_support_may_set_it_too_and_the_same_language_again_changes_nothing(repo):
    apply(repo, set_language("fr", actor=SUPPORT))
    repo.audit.clear()

    outcome = apply(repo, set_language("fr", actor=ALICE))

    assert outcome.message == "Account 1001 is already in French; nothing changed." and outcome.events == []
    assert repo.audit == []


def test_a_user_who_is_no_administrator_or_another_accounts_administrator_may_not_set_it(repo):
    assert refused(repo, set_language("fr", actor=CAROL), NotAuthorized) == \
        "carol@example.com is not an administrator of account 1001"
    assert refused(repo, set_language("fr", actor=BOB), NotAuthorized) == \
        "bob@example.com is not an administrator of account 1001"
    assert repo.accounts["1001"].language == "en"


def test_a_language_envadmin_does_not_speak_is_refused_naming_it():
    with pytest.raises(ValidationError, match=r"unsupported language 'de': expected one of en \(English\), "
                                              r"fr \(French\)"):
        set_language("de", actor=ALICE)
    with pytest.raises(ValidationError, match="unsupported language 'klingon'"):
        create_account("1001", ALICE, language="klingon")


def test_a_language_is_taken_as_its_code_whatever_its_letter_case():
    assert set_language(" FR ", actor=ALICE).language == "fr"


def test_an_account_opened_in_english_carries_no_language_on_the_wire():
    assert "language" not in create_account("1001", ALICE).model_dump()
    assert create_account("1001", ALICE, language="fr").model_dump()["language"] == "fr"


def test_registering_saves_the_language_of_the_page_registered_on_as_the_new_persons(repo):
    apply(repo, grant(STRANGER, actor=ALICE))
    [(_invite, token, _role)] = repo.mails

    register(token, "Nina", "Noor", HASH, repo, NOW, language="fr")

    assert repo.users[email_key(STRANGER)].language == "fr"


@pytest.mark.parametrize(("chosen", "saved"), [(None, "fr"), ("en", "en")])
def test_activating_saves_it_unless_the_person_had_chosen_one(repo, chosen, saved):
    apply(repo, command("add_user", email=STRANGER, first_name="Nina", last_name="Noor", activation="mail",
                        actor=ALICE))
    repo.users[email_key(STRANGER)].language = chosen
    [(_invite, token, _role)] = repo.mails

    register(token, "", "", OTHER_HASH, repo, NOW, language="fr")

    assert repo.users[email_key(STRANGER)].language == saved
