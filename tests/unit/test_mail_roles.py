"""The role an invite mail offers, said in the mail's language: English as the rules wrote it; French part by part,
joined as French joins a list; a role in a shape the mail does not know stays as written."""
from __future__ import annotations

import pytest

from languages import translations
from mail.roles import role_in


def french(role: str) -> str:
    return role_in(role, "fr", translations("fr"))


def test_english_is_the_rules_text_as_it_is():
    role = 'Account Administrator and a member of group "Sales" and a member of group "Ops"'
    assert role_in(role, "en", translations("en")) == role


@pytest.mark.parametrize(("role", "said"), [
    ("Account Administrator", "Administrateur du compte"),
    ('a member of group "Sales and Marketing"', 'membre du groupe "Sales and Marketing"'),
    ("a member of group (its name is not shown)", "membre d’un groupe dont le nom n’est pas affiché"),
    ("a user", "utilisateur"),
    ('Account Administrator and a member of group "Sales"', 'Administrateur du compte et membre du groupe "Sales"'),
    ('a member of group "A" and a member of group "B" and a member of group "C"',
     'membre du groupe "A", membre du groupe "B" et membre du groupe "C"'),
])
def test_french_says_each_part_and_joins_them_as_french_does(role, said):
    assert french(role) == said


@pytest.mark.parametrize("role", ["Account Administrator, a user", "the owner", "a user and", ""])
def test_a_role_of_another_shape_stays_as_the_rules_wrote_it(role):
    assert french(role) == role
