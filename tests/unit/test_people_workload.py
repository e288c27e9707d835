"""The people benchmark's files (bench/people_workload.py): accounts, their people and grants, each row one the
producer takes."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from uuid import UUID

from bench.people_workload import GRANT_EVERY, accounts_then_people, as_written, write_people_csv
from bench.workload import account_numbers, admin_email
from producers.onboarding.reader import RowError, open_rows
from producers.onboarding.rows import JobRowContext, to_command

ACCOUNTS = account_numbers(200001, 7)
JOB = UUID("00000000-0000-4000-8000-000000000013")
A_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"


def written(tmp_path, rows) -> list[dict]:
    path = tmp_path / "people.csv"
    write_people_csv(path, rows)
    return [row.values for row in open_rows(path, "csv")]


def test_the_file_opens_every_account_then_spreads_the_people_over_them(tmp_path):
    cells = written(tmp_path, accounts_then_people("people", 100, ACCOUNTS))

    opened, added = cells[:len(ACCOUNTS)], cells[len(ACCOUNTS):]
    assert [(c["action"], c["account"], c["email"], c["by"]) for c in opened] == [
        ("create_account", account, admin_email(account), "support") for account in ACCOUNTS]
    assert len(added) == 100 and {c["action"] for c in added} == {"add_user"}
    assert all(c["by"] == admin_email(c["account"]) for c in added)
    per_account = Counter(c["account"] for c in added)
    assert set(per_account) == set(ACCOUNTS) and max(per_account.values()) - min(per_account.values()) <= 1
    assert len({c["email"] for c in cells}) == len(cells)


def test_a_file_as_written_adds_each_person_before_granting_them_account_by_account(tmp_path):
    cells = written(tmp_path, as_written("mixed", 300, ACCOUNTS))

    assert 300 - 2 * len(ACCOUNTS) < len(cells) <= 300
    accounts_in_order = [c["account"] for c in cells if c["action"] == "create_account"]
    assert accounts_in_order == ACCOUNTS
    created_before: set[tuple[str, str]] = set()
    for c in cells:
        if c["action"] == "grant":
            assert (c["account"], c["email"]) in created_before
            assert c["by"] == admin_email(c["account"])
        else:
            created_before.add((c["account"], c["email"]))
    assert [c["account"] for c in cells] == sorted(c["account"] for c in cells)  # one account after the other
    actions = Counter(c["action"] for c in cells)
    assert actions["grant"] == sum(-(-people // GRANT_EVERY) for people in
                                   Counter(c["account"] for c in cells if c["action"] == "add_user").values())


def test_every_row_is_a_command_the_producer_takes_when_rows_name_their_actor(tmp_path):
    path = tmp_path / "people.csv"
    write_people_csv(path, as_written("mixed", 120, ACCOUNTS[:3]))
    context = JobRowContext(JOB, datetime(2026, 12, 1, tzinfo=timezone.utc), "support", lambda line, email: A_HASH,
                            allow_row_actors=True)

    commands = [to_command(row.line, row.values, context) for row in open_rows(path, "csv")]

    assert not [command for command in commands if isinstance(command, RowError)]
    assert Counter(command.type for command in commands).keys() == {"create_account", "add_user", "grant_admin"}
    assert all(command.actor == "support" for command in commands if command.type == "create_account")
    assert all(command.actor == admin_email(command.account) for command in commands
               if command.type != "create_account")
