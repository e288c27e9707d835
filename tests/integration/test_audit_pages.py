"""The console's audit trail over HTTP on a real store: only the account's administrators see it; the entries the
handlers wrote, newest first, filtered by actor and action, in pages, and exported whole as a CSV no spreadsheet
runs."""
from __future__ import annotations

import csv
import io
import re
from html import unescape
from uuid import UUID

import pytest
from sqlalchemy import select

from producers.services.client import new_command
from store.tables import commands

from ..support.builders import add_user
from ..support.forms import csrf_of
from ..support.outbox import token_for
from .console_site import ALICE, BOB, OWN

_ROW = re.compile(r"<tr[^>]*><td class=\"nowrap\">(.*?)</tr>", re.S)
_CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
_LINK = re.compile(r'<a href="([^"]+)"[^>]*>([^<]+)</a>')



def rows(html: str) -> list[list[str]]:
    """The trail's table, cell by cell: when, who, from where, what (its label), target, detail."""
    return [[unescape(cell.strip()) for cell in _CELL.findall("<td>" + row)] for row in _ROW.findall(html)]


def links(html: str) -> dict[str, str]:
    return {unescape(text.strip()): unescape(href) for href, text in _LINK.findall(html)}


def test_an_administrator_reads_who_did_what_newest_first_in_words_and_a_web_change_shows_web(console):
    console.sign_in(ALICE, OWN)
    added = console.browser.post("/accounts/1001/admins", data={"csrf_token": console.csrf("/accounts/1001"),
                                                                 "email": BOB}, follow_redirects=False)
    assert console.apply_journalled(UUID(added.headers["location"].rsplit("/", 1)[-1])) == "applied"

    page = console.browser.get("/accounts/1001/audit")

    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert [row[1:5] for row in rows(page.text)] == [
        [ALICE, "web", "Administrator granted", BOB],
        [ALICE, "cli", "User added", BOB],
        ["support", "cli", "Administrator granted", ALICE],
        ["support", "cli", "User added", ALICE],
        ["support", "cli", "Account created", "1001"],
    ]
    assert '<td title="admin.granted">Administrator granted</td>' in page.text  # the code, on hover
    # A machine-readable instant around the date as the page's language writes it, in UTC for a person with no zone
    assert re.fullmatch(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ">[A-Z][a-z]{2} \d{1,2}, \d{4}, '
                        r'\d\d:\d\d:\d\d UTC</time>', rows(page.text)[0][0])
    assert 'href="/accounts/1001/audit"' in console.browser.get("/accounts/1001").text
    assert "Older" not in links(page.text) and "Newer" not in page.text


def test_the_filters_narrow_the_table_keep_their_values_and_carry_into_the_export_link(console):
    console.sign_in(ALICE, OWN)

    page = console.browser.get("/accounts/1001/audit", params={"actor": "Alice@Example.COM",
                                                               "action": "user.added"}).text

    assert [row[1:5] for row in rows(page)] == [[ALICE, "cli", "User added", BOB]]
    assert "<option selected>Alice@Example.COM</option>" in page
    assert '<option value="user.added" selected>User added</option>' in page  # the filter keeps the code
    assert links(page)["Export as CSV"] == "/accounts/1001/audit.csv?actor=Alice%40Example.COM&action=user.added"
    assert '<option value="account.created">Account created</option>' in page and "<option>support</option>" in page


def test_pages_of_fifty_go_older_and_back_newer_keeping_the_filter(console):
    console.apply(*[add_user(f"user{n:02}@example.com") for n in range(60)])
    console.sign_in(ALICE, OWN)

    first = console.browser.get("/accounts/1001/audit", params={"action": "user.added"}).text
    older = console.browser.get(links(first)["Older →"]).text
    back = console.browser.get(links(older)["← Newer"]).text

    assert [row[4] for row in rows(first)] == [f"user{n:02}@example.com" for n in range(59, 9, -1)]
    assert [row[4] for row in rows(older)] == [f"user{n:02}@example.com" for n in range(9, -1, -1)] + [BOB, ALICE]
    assert "action=user.added" in links(first)["Older →"]
    assert "Older →" not in links(older)
    assert rows(back) == rows(first)


def test_the_csv_export_holds_every_matching_entry_with_formulas_neutralized(console):
    hostile = new_command("create_group", actor=ALICE, source="api", account="1001", group="=cmd|' /C calc'!A0")
    console.apply(hostile, *[add_user(f"user{n:02}@example.com") for n in range(60)])
    console.sign_in(ALICE, OWN)

    everything = console.browser.get("/accounts/1001/audit.csv")
    created = console.browser.get("/accounts/1001/audit.csv", params={"action": "group.created"})

    assert everything.status_code == 200 and everything.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="account-1001-audit.csv"' in everything.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(everything.text)))
    assert table[0] == ["at (UTC)", "actor", "source", "action", "target", "detail", "command id", "api key"]
    assert len(table) == 1 + 4 + 61  # not one page: every entry (4 from the set-up)
    [group] = list(csv.reader(io.StringIO(created.text)))[1:]
    assert group[1:5] == [ALICE, "api", "group.created", "'=cmd|' /C calc'!A0"]
    UUID(group[6])


@pytest.mark.parametrize("path", ["/accounts/1001/audit", "/accounts/1001/audit.csv", "/accounts/9999/audit"])
def test_someone_who_does_not_administer_the_account_gets_404(console, path):
    console.sign_in(BOB, OWN)
    assert console.browser.get(path).status_code == 404


def test_a_page_link_naming_no_entry_of_the_account_is_refused_clearly(console):
    console.sign_in(ALICE, OWN)
    for cursor in ("abc", "999999", "-1"):
        page = console.browser.get("/accounts/1001/audit", params={"older": cursor})
        assert page.status_code == 400 and "names no entry of this account" in page.text


def test_a_refused_attempt_shows_in_words_with_its_reason_and_keeps_its_code_in_the_filter_and_export(console):
    refused = new_command("grant_admin", actor=BOB, source="web", account="1001", email="carol@example.com")
    assert console.apply(refused) == ["rejected"]
    console.sign_in(ALICE, OWN)

    page = console.browser.get("/accounts/1001/audit").text
    only = console.browser.get("/accounts/1001/audit", params={"action": "command.refused"}).text
    export = list(csv.reader(io.StringIO(console.browser.get("/accounts/1001/audit.csv").text)))

    assert rows(page)[0][1:] == [BOB, "web", "Refused", "carol@example.com",
                                 f"grant administrator: {BOB} is not an administrator of account 1001"]
    assert '<tr class="refused"><td class="nowrap">' in page
    assert [row[3] for row in rows(only)] == ["Refused"]
    assert '<option value="command.refused" selected>Refused</option>' in only
    assert export[1][1:5] == [BOB, "web", "command.refused", "carol@example.com"]


def test_a_grant_applied_when_its_invitee_registers_shows_the_system_on_registration_and_who_asked(console):
    dana = "dana@example.com"
    held = new_command("grant_admin", actor=ALICE, source="web", account="1001", email=dana)
    assert console.apply(held) == ["pending"]
    link = f"/register/{token_for(console.settings, console.engine, dana)}"
    registered = console.browser.post(link, data={"csrf_token": csrf_of(console.browser.get(link).text),
                                                  "first_name": "Dana", "last_name": "Ruiz", "password": OWN,
                                                  "password_again": OWN}, follow_redirects=False)
    assert registered.status_code == 303
    with console.engine.connect() as conn:
        [retry] = conn.execute(select(commands.c.id).where(commands.c.status == "queued")).scalars().all()
    assert console.apply_journalled(retry) == "applied"
    console.sign_in(ALICE, OWN)

    page = console.browser.get("/accounts/1001/audit").text

    assert [row[1:5] for row in rows(page)[:3]] == [
        ["envadmin", "registration", "Administrator granted", dana],
        [dana, "web", "Invite accepted", dana],
        [dana, "web", "User registered", dana],
    ]
    assert rows(page)[0][5] == f"the grant {ALICE} asked for (command {held.id}), retried when {dana} registered"
    assert [row[1:4] for row in rows(page) if row[4] == dana][-2:] == [
        [ALICE, "web", "Grant pending: invite sent"], [ALICE, "web", "Invite sent"]]


def test_a_french_reader_reads_the_actions_and_the_details_in_french_and_the_export_keeps_the_codes(console):
    refused = new_command("grant_admin", actor=BOB, source="web", account="1001", email="carol@example.com")
    assert console.apply(refused) == ["rejected"]
    held = new_command("add_member", actor=ALICE, source="web", account="1001", group="Nowhere",
                       email="erin@example.com")
    assert console.apply(held) == ["rejected"]
    console.sign_in(ALICE, OWN)

    page = console.browser.get("/accounts/1001/audit", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).text

    assert rows(page)[0][3:] == ["Refusé", "erin@example.com",
                                 "ajouter un membre à un groupe : le groupe Nowhere n’existe pas dans le compte 1001"]
    assert rows(page)[1][3:] == ["Refusé", "carol@example.com",
                                 f"nommer administrateur : {BOB} n’est pas administrateur du compte 1001"]
    assert "Utilisateur ajouté" in [row[3] for row in rows(page)]
    english = console.browser.get("/accounts/1001/audit", headers={"Accept-Language": "en"}).text
    assert rows(english)[1][5] == f"grant administrator: {BOB} is not an administrator of account 1001"
    export = list(csv.reader(io.StringIO(console.browser.get("/accounts/1001/audit.csv").text)))
    assert export[2][3] == "command.refused"
