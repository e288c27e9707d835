"""The role an invite mail offers, said in the reader's language: each role a message, several joined as the
language joins a list."""
from __future__ import annotations

import pytest

from domain.invite_roles import mail_role, roles_named
from domain.model import ADMIN_GROUP, Group
from domain.said import Said
from languages import reader

ADMINS, SALES = Group("1001", ADMIN_GROUP), Group("1001", "Sales and Marketing")


def french(role: Said) -> str:
    return role.text(reader("fr"))


def test_the_administrators_group_offers_the_account_administrator_role():
    role = mail_role(ADMINS)
    assert (role, french(role)) == ("Account Administrator", "Administrateur du compte")


def test_a_group_is_named_quoted_as_a_mail_may_show_it():
    role = mail_role(SALES)
    assert (role, french(role)) == ('a member of group "Sales and Marketing"',
                                    'membre du groupe "Sales and Marketing"')


def test_a_group_whose_name_a_mail_may_not_show_is_not_named():
    role = mail_role(Group("1001", "www.evil.example"))
    assert role == "a member of a group whose name is not shown"
    assert french(role) == "membre d’un groupe dont le nom n’est pas affiché"


@pytest.mark.parametrize(("groups", "english", "in_french"), [
    (["A", "B"], 'a member of group "A" and a member of group "B"', 'membre du groupe "A" et membre du groupe "B"'),
    (["C", "A", "B"], 'a member of group "A", a member of group "B" and a member of group "C"',
     'membre du groupe "A", membre du groupe "B" et membre du groupe "C"'),
])
def test_several_roles_are_one_list_in_each_language(groups, english, in_french):
    role = roles_named(mail_role(Group("1001", name)) for name in groups)
    assert (role, french(role)) == (english, in_french)


def test_no_role_is_none_and_the_list_survives_being_stored():
    assert roles_named([]) is None
    role = roles_named([mail_role(ADMINS), mail_role(SALES)])
    assert french(Said.from_stored(role.stored())) == french(role)
