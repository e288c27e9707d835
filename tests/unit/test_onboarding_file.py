"""Reading onboarding files and turning rows into commands: broken rows are reported, never fatal."""
from __future__ import annotations

from datetime import datetime, timezone
from uuid import UUID

import pytest

from languages import reader
from producers.onboarding.reader import FileProblem, RowError, detect_format, open_rows
from producers.onboarding.rows import JobRowContext, command_id, creates_user, to_command

HEADER = "action,account,name,email,first_name,last_name,group,by\n"
JOB = UUID("00000000-0000-4000-8000-000000000001")


def rows_of(tmp_path, name: str, content: bytes | str):
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return list(open_rows(path, detect_format(path, None)))


def context(passwords=lambda line, email: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", actor="support",
            allow_row_actors=False):
    return JobRowContext(JOB, datetime(2026, 11, 23, tzinfo=timezone.utc), actor, passwords, allow_row_actors)


def test_csv_rows_come_with_their_line_numbers(tmp_path):
    rows = rows_of(tmp_path, "a.csv", HEADER + "grant,1001,,ann@example.com,,,,\n\nrevoke,1001,,bob@example.com,,,,\n")
    assert [(r.line, r.values["action"], r.values["email"]) for r in rows] == [
        (2, "grant", "ann@example.com"), (4, "revoke", "bob@example.com")]


def test_a_row_that_is_not_utf8_is_an_error_of_that_row_alone(tmp_path):
    content = HEADER.encode() + b"grant,1001,,ann@example.com,Ren\xe9,,,\ngrant,1001,,bob@example.com,,,,\n"
    rows = rows_of(tmp_path, "a.csv", content)
    assert rows[0].error == RowError("first_name", "is not valid UTF-8")
    assert rows[1].values["email"] == "bob@example.com"


def test_a_row_with_more_cells_than_columns_is_reported(tmp_path):
    rows = rows_of(tmp_path, "a.csv", HEADER + "grant,1001,,ann@example.com,,,,,extra\n")
    assert rows[0].error.reason == "has 9 cells but the header names 8 columns"


def test_a_broken_quote_is_reported_and_the_next_rows_are_read(tmp_path):
    rows = rows_of(tmp_path, "a.csv", HEADER + 'grant,1001,,"ann@example.com"x,,,,\ngrant,1001,,bob@example.com,,,,\n')
    assert rows[0].error is not None and "CSV" in rows[0].error.reason
    assert rows[-1].values["email"] == "bob@example.com"


@pytest.mark.parametrize("header, named", [
    ("action,account,emial\n", "unknown column(s) 'emial'"),
    ("action,email\n", "missing required column(s) account"),
    ("action,account,email,email\n", "column(s) named twice: email"),
])
def test_a_bad_header_stops_the_file_before_anything_is_read(tmp_path, header, named):
    with pytest.raises(FileProblem, match=named.replace("(", r"\(").replace(")", r"\)")):
        rows_of(tmp_path, "a.csv", header + "grant,1001,a@example.com\n")


@pytest.mark.parametrize("name", ["empty.csv", "empty.jsonl"])
def test_an_empty_file_is_refused_with_a_clear_reason(tmp_path, name):
    with pytest.raises(FileProblem, match="the file is empty"):
        rows_of(tmp_path, name, "\n  \n")


def test_a_header_only_file_has_no_rows(tmp_path):
    assert rows_of(tmp_path, "a.csv", HEADER) == []


def test_a_byte_order_mark_is_not_part_of_the_first_column(tmp_path):
    rows = rows_of(tmp_path, "a.csv", "\ufeff" + HEADER + "grant,1001,,a@example.com,,,,\n")
    assert rows[0].values["action"] == "grant"


def test_jsonl_broken_lines_are_errors_of_their_own_line(tmp_path):
    content = (b'{"action": "grant", "account": 1001, "email": "a@example.com"}\n'
               b'{"action": "grant", "account": "1001", "email": \n'
               b'[1, 2]\n'
               b'{"action": "grant", "account": "1001", "emial": "c@example.com"}\n'
               b'{"action": "grant", "account": "1001", "email": "d\xff@example.com"}\n'
               b'{"action": "grant", "account": "1001", "email": {"x": 1}}\n')
    rows = rows_of(tmp_path, "a.jsonl", content)
    assert rows[0].values == {"action": "grant", "account": "1001", "email": "a@example.com"}
    assert rows[1].error.reason.startswith("is not valid JSON")
    assert rows[2].error.reason == "is a JSON array, not an object"
    assert rows[3].error.field is None and "unknown column 'emial'" in rows[3].error.reason
    assert rows[4].error.reason.startswith("is not valid UTF-8")
    assert rows[5].error == RowError("email", 'must be a string, not {"x": 1}')


def test_jsonl_first_object_with_unknown_keys_stops_the_file(tmp_path):
    with pytest.raises(FileProblem, match="unknown column"):
        rows_of(tmp_path, "a.jsonl", '{"action": "grant", "acount": "1001"}\n')


def test_the_format_comes_from_the_extension_or_is_asked_for(tmp_path):
    with pytest.raises(FileProblem, match="--format"):
        detect_format(tmp_path / "people.txt", None)
    assert detect_format(tmp_path / "people.txt", "jsonl") == "jsonl"


def test_a_valid_row_becomes_its_command_with_a_deterministic_id():
    cmd = to_command(7, {"action": "grant", "account": " 1001 ", "email": "Ann@Example.com", "group": ""}, context())
    assert (cmd.type, cmd.account, cmd.email, cmd.actor, cmd.source) == (
        "grant_admin", "1001", "Ann@Example.com", "support", "job")
    assert cmd.id == command_id(JOB, 7) == to_command(7, {"action": "grant", "account": "1001",
                                                         "email": "x@example.com"}, context()).id
    assert cmd.id != command_id(JOB, 8)


def test_a_later_line_is_issued_later():
    first = to_command(2, {"action": "grant", "account": "1001", "email": "a@example.com"}, context())
    later = to_command(3, {"action": "revoke", "account": "1001", "email": "a@example.com"}, context())
    assert later.issued_at > first.issued_at


@pytest.mark.parametrize("values, field, reason", [
    ({"action": "promote", "account": "1001"}, "action", "is 'promote'"),
    ({"action": "", "account": "1001"}, "action", "is empty"),
    ({"action": "grant", "account": "1001"}, "email", "is required for grant"),
    ({"action": "grant", "account": "", "email": "a@example.com"}, "account", "is required"),
    ({"action": "grant", "account": "10x1", "email": "a@example.com"}, "account", "malformed account number"),
    ({"action": "grant", "account": "1001", "email": "not-an-email"}, "email", "invalid email"),
    ({"action": "grant", "account": "1001", "email": "a@example.com", "by": "nobody"}, "by", "actor must be"),
    ({"action": "grant", "account": "1001", "email": "a@example.com", "group": "Ops"}, "group", "is not used"),
    ({"action": "add_member", "account": "1001", "email": "a@example.com"}, "group", "is required"),
    ({"action": "create_account", "account": "1001", "name": "Acme", "email": "a@example.com",
      "first_name": "A", "last_name": "B", "by": "a@example.com"}, "by", "only support can create"),
])
def test_an_invalid_row_names_its_field_and_reason(values, field, reason):
    error = to_command(2, values, context(allow_row_actors=True))
    assert isinstance(error, RowError)
    assert error.field == field
    assert reason in error.reason


def test_a_row_names_its_own_actor_only_when_the_operator_allows_it():
    row = {"action": "grant", "account": "1001", "email": "a@example.com", "by": "boss@example.com"}
    assert to_command(2, row, context(allow_row_actors=True)).actor == "boss@example.com"
    refused = to_command(2, row, context(actor="alice@example.com"))
    assert isinstance(refused, RowError) and refused.field == "by"
    assert "'boss@example.com'" in refused.reason and "--allow-row-actors" in refused.reason


@pytest.mark.parametrize("by", ["", "  ", "Alice@Example.COM", "alice@example.com"])
def test_a_by_cell_that_is_empty_or_names_the_jobs_actor_is_the_jobs_actor(by):
    row = {"action": "grant", "account": "1001", "email": "a@example.com", "by": by}
    assert to_command(2, row, context(actor="alice@example.com")).actor == "alice@example.com"


def test_a_by_cell_cannot_make_a_row_act_as_support():
    row = {"action": "create_account", "account": "1001", "name": "Acme", "email": "a@example.com",
           "first_name": "A", "last_name": "B", "by": "support"}
    refused = to_command(2, row, context(actor="alice@example.com"))
    assert isinstance(refused, RowError) and refused.field == "by"


def test_users_get_a_temporary_password_only_when_their_row_is_valid():
    issued = []

    def passwords(line, email):
        issued.append((line, email))
        return "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"

    row = {"action": "add_user", "account": "1001", "email": "a@example.com", "first_name": "A", "last_name": "B"}
    assert to_command(2, row, context(passwords)).password_hash.startswith("$argon2id$v=19")
    assert isinstance(to_command(3, {**row, "email": "bad"}, context(passwords)), RowError)
    assert issued == [(2, "a@example.com")]
    refused = to_command(4, row, context(lambda line, email: RowError("email", "needs --passwords")))
    assert refused == RowError("email", "needs --passwords")


def test_with_activation_a_user_row_asks_no_password_and_its_command_says_mail():
    def passwords(line, email):
        raise AssertionError("no temporary password is made for a user activated by mail")

    job = JobRowContext(JOB, datetime(2026, 11, 23, tzinfo=timezone.utc), "support", passwords, activation="mail")
    user = to_command(2, {"action": "add_user", "account": "1001", "email": "a@example.com", "first_name": "A",
                          "last_name": "B"}, job)
    account = to_command(3, {"action": "create_account", "account": "1002", "name": "Acme", "email": "b@example.com",
                             "first_name": "B", "last_name": "C"}, job)
    assert [(c.activation, c.password_hash) for c in (user, account)] == [("mail", None), ("mail", None)]
    assert isinstance(to_command(4, {"action": "add_user", "account": "1001", "email": "bad"}, job), RowError)


@pytest.mark.parametrize("action, creates", [("add_user", True), (" CREATE_ACCOUNT ", True), ("grant", False),
                                             ("", False), (None, False)])
def test_a_quick_look_at_the_action_tells_a_row_that_creates_a_user(action, creates):
    assert creates_user({"action": action, "email": "not even checked"}) is creates


@pytest.mark.parametrize("values, code, french", [
    ({"action": "promote", "account": "1001"}, "row.action", "vaut 'promote' ; l’une des actions create_account"),
    ({"action": "grant", "account": "1001"}, "row.required", "est obligatoire pour grant"),
    ({"action": "grant", "account": "1001", "email": "not-an-email"}, "email.invalid",
     "adresse e-mail 'not-an-email' invalide : Une adresse e-mail doit contenir un @."),
    ({"action": "grant", "account": "1001", "email": "a@example.com", "group": "Ops"}, "row.group_unused",
     "n’est pas utilisé par grant"),
])
def test_an_invalid_rows_reason_has_a_code_and_reads_in_french(values, code, french):
    error = to_command(2, values, context(allow_row_actors=True))
    assert error.reason.code == code
    assert error.reason.text(reader("fr")).startswith(french)


def test_a_row_the_reader_cannot_read_says_why_in_french(tmp_path):
    rows = rows_of(tmp_path, "a.csv", HEADER + "grant,1001,,ann@example.com,,,,,extra\n")
    assert rows[0].error.reason.code == "row.too_many_cells"
    assert rows[0].error.reason.text(reader("fr")) == "compte 9 cellules mais l’en-tête nomme 8 colonnes"


def test_what_the_csv_and_json_modules_say_of_a_row_reads_in_french(tmp_path):
    french = reader("fr")
    [csv_row] = rows_of(tmp_path, "a.csv", HEADER + 'grant,1001,,"ann@example.com"x,,,,\n')
    json_rows = rows_of(tmp_path, "a.jsonl", b'{"action": "grant", "email": "a@example.com"\n[1]\n'
                                             b'{"email": "a@example.com"} 7\n')
    assert csv_row.error.reason.text(french) == "ne peut pas être lue en CSV : ',' attendu après '\"'"
    assert [row.error.reason.text(french) for row in json_rows] == [
        "n’est pas du JSON valide : ',' est attendu à la colonne 45",
        "est une valeur JSON de type tableau, pas un objet",
        "n’est pas du JSON valide : quelque chose suit l’objet à la colonne 28"]
    assert json_rows[0].error.reason == "is not valid JSON: ',' is expected at column 45"
