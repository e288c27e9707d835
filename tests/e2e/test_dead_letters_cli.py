"""envadmin dead-letters show and replay as operators run them, against a running worker that gives commands up."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from sqlalchemy import update

from messaging.broker import publish_batch
from store.reads import queries
from store.tables import commands
from store.unit_of_work import SqlUnitOfWork

from ..support.builders import PASSWORD_HASH, add_user
from ..support.waiting import wait_until
from .cli_runs import assert_usage_error, describe

SHOWN = {"id", "at", "reason", "command_id", "command_status", "replayed_at", "replayed_by", "payload"}


def given_up(e2e, email: str, account: str, admin: str):
    """A command the running worker gives up on, its attempts used up (as by a worker killed on it each time); the
    command and its dead letter's id."""
    client = e2e.client
    command = add_user(email, account=account, by=admin)
    with SqlUnitOfWork(client.engine) as uow:
        uow.log.record_submitted([command], datetime.now(timezone.utc))
        uow.conn.execute(update(commands).where(commands.c.id == command.id)
                         .values(attempts=e2e.settings.max_attempts))
        uow.commit()
    assert publish_batch(client.celery, e2e.settings.queue, [command.model_dump(mode="json")])
    wait_until(lambda: queries.command_status(client.engine, command.id)["status"] == "failed",
               "the command to be given up")
    [letter] = [d["id"] for d in queries.list_dead_letters(client.engine) if d["command_id"] == str(command.id)]
    return command, letter


def unreadable_letter(e2e) -> dict:
    """A message no worker can parse, published as it is; its dead letter."""
    client = e2e.client
    before = {d["id"] for d in queries.list_dead_letters(client.engine)}
    assert publish_batch(client.celery, e2e.settings.queue, [{"type": "grant_admin", "id": "not-a-uuid"}])
    [letter] = wait_until(lambda: [d for d in queries.list_dead_letters(client.engine) if d["id"] not in before],
                          "the worker to record a dead letter")
    return letter


def test_show_masks_the_password_hash_and_replay_applies_the_command_once_audited(e2e):
    e2e.open_account("3201", "alice@example.com")
    command, letter = given_up(e2e, "bob@example.com", "3201", "alice@example.com")

    shown = e2e.cli_json("dead-letters", "show", str(letter))
    page = e2e.cli("dead-letters", "show", str(letter))
    assert set(shown) == SHOWN
    assert (shown["command_id"], shown["command_status"], shown["replayed_at"]) == (str(command.id), "failed", None)
    assert shown["reason"] == f"gave up after {e2e.settings.max_attempts} attempts"
    assert '"password_hash": "***"' in shown["payload"] and "bob@example.com" in shown["payload"]
    assert page.returncode == 0 and PASSWORD_HASH not in page.stdout + page.stderr, describe(page)
    assert f"dead letter #{letter}" in page.stdout and '"password_hash": "***"' in page.stdout, describe(page)
    in_french = replace(e2e, env={**e2e.env, "LANG": "fr_FR.UTF-8", "LC_ALL": "", "LANGUAGE": ""})
    listed, shown_fr = in_french.cli("dead-letters"), in_french.cli("dead-letters", "show", str(letter))
    given_up_fr = f"abandonnée après {e2e.settings.max_attempts} tentatives"
    assert given_up_fr in listed.stdout and given_up_fr in shown_fr.stdout, describe(listed) + describe(shown_fr)

    replayed = e2e.cli_json("dead-letters", "replay", str(letter), "--by", "support")
    assert replayed == {"replays": [{"id": letter, "replayed": True,
                                     "reason": f"command {command.id} (add_user) is queued again"}]}
    final = e2e.client.wait([command.id], timeout=30)
    assert final == {command.id: "applied"}
    again = e2e.cli_json("dead-letters", "replay", str(letter), "--by", "support", expect=1)
    assert again["replays"] == [{"id": letter, "replayed": False,
                                 "reason": f"command {command.id} is applied, not failed: nothing to replay"}]
    again_fr = in_french.cli("dead-letters", "replay", str(letter), "--by", "support")
    assert again_fr.returncode == 1, describe(again_fr)
    assert f"la commande {command.id} est appliquée, pas en échec : rien à rejouer" in again_fr.stdout + \
        again_fr.stderr, describe(again_fr)

    after = e2e.cli_json("dead-letters", "show", str(letter))
    assert (after["command_status"], after["replayed_by"]) == ("applied", "support") and after["replayed_at"]
    trail = e2e.cli_json("audit", "--account", "3201", "--action", "command.replayed")
    assert [(e["actor"], e["source"], e["target"], e["command_id"]) for e in trail["entries"]] == \
        [("support", "cli", "add_user", str(command.id))]
    added = e2e.cli_json("audit", "--account", "3201", "--action", "user.added")
    assert [e["target"] for e in added["entries"]].count("bob@example.com") == 1


def test_a_dead_letter_with_no_replayable_command_is_refused_with_its_reason_and_the_others_replay(e2e):
    e2e.open_account("3202", "alice@example.com")
    unreadable = unreadable_letter(e2e)
    command, letter = given_up(e2e, "carol@example.com", "3202", "alice@example.com")

    mixed = e2e.cli_json("dead-letters", "replay", str(unreadable["id"]), str(letter), "--by", "support", expect=1)

    assert mixed["replays"] == [
        {"id": unreadable["id"], "replayed": False,
         "reason": f"it holds no command to replay: {unreadable['reason']}"},
        {"id": letter, "replayed": True, "reason": f"command {command.id} (add_user) is queued again"}]
    assert unreadable["reason"].startswith("invalid command: id:")
    assert e2e.client.wait([command.id], timeout=30) == {command.id: "applied"}
    words = e2e.cli("dead-letters", "replay", str(unreadable["id"]), "--by", "support")
    assert words.returncode == 1, describe(words)
    refusal = f"#{unreadable['id']} not replayed: it holds no command to replay: invalid command"
    assert words.stdout.startswith(refusal), describe(words)


def test_replay_all_since_replays_what_failed_and_lists_what_it_could_not(e2e):
    e2e.open_account("3203", "alice@example.com")
    unreadable = unreadable_letter(e2e)
    command, letter = given_up(e2e, "dave@example.com", "3203", "alice@example.com")

    done = e2e.cli_json("dead-letters", "replay", "--all", "--since", "10m", "--by", "alice@example.com")

    outcomes = {o["id"]: o for o in done["replays"]}
    assert outcomes[letter]["replayed"] is True
    assert outcomes[unreadable["id"]]["replayed"] is False and outcomes[unreadable["id"]]["reason"]
    assert e2e.client.wait([command.id], timeout=30) == {command.id: "applied"}
    listed = e2e.cli_json("dead-letters", "--limit", "50")  # the listing, as before
    assert {d["id"] for d in listed["dead_letters"]} >= {letter, unreadable["id"]}
    assert all(PASSWORD_HASH not in d["payload"] for d in listed["dead_letters"])


def test_bad_ids_and_options_are_refused_with_a_clear_message(e2e):
    calls = [["show", "abc"], ["show", "987654"], ["replay", "987654", "--by", "support"],
             ["replay", "1", "x", "--by", "support"], ["replay", "--by", "support"],
             ["replay", "1", "--all", "--by", "support"], ["replay", "1", "--since", "1h", "--by", "support"],
             ["replay", "--all", "--since", "yesterday", "--by", "support"], ["replay", "1", "--by", "nobody"]]
    (show_abc, show_unknown, replay_unknown, replay_x, neither, both, since_alone, bad_since,
     bad_by) = e2e.cli_many([(["dead-letters", *call], None) for call in calls])

    assert_usage_error(show_abc, "'abc'", "dead letter id")
    assert show_unknown.returncode == 1 and show_unknown.stderr == "error: no dead letter 987654\n", \
        describe(show_unknown)
    assert replay_unknown.returncode == 1, describe(replay_unknown)
    assert replay_unknown.stdout == "#987654 not replayed: no dead letter 987654\n", describe(replay_unknown)
    assert_usage_error(replay_x, "'x'", "dead letter id")
    assert_usage_error(neither, "--all")
    assert_usage_error(both, "not both")
    assert_usage_error(since_alone, "--since goes with --all")
    assert_usage_error(bad_since, "--since", "'yesterday'")
    assert_usage_error(bad_by, "--by", "'nobody'")
