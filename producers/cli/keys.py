"""keys: rotate the master key that wraps envelope keys and mail bodies, and see which key wraps what."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from config.master_key import MAKE_ONE, MasterKeyError, parse_key
from domain.master_keys import MasterKey, MasterKeys
from producers.cli.context import EXIT_REFUSED, Json, client, fail, print_json, print_lines, read_stdin_lines
from producers.cli.speech import N_
from store.key_rotation import (
    WHAT,
    api_key_hash_counts,
    check_rotation,
    rotate_master_key,
    temporary_password_counts,
    wrapped_counts,
)

keys_app = typer.Typer(help=N_("The master key (ENVADMIN_MASTER_KEY): rotate it, see which key wraps what."),
                       no_args_is_help=True)


@keys_app.command("rotate", help=N_(
    "Re-wrap every envelope key and mail body under a new master key; run it again to resume."))
def rotate(new_key_stdin: Annotated[bool, typer.Option(
               "--new-key-stdin", help=N_("Read the new key, the base64 of 32 bytes, from standard input."))] = False,
           batch: Annotated[int, typer.Option(min=1, help=N_("Rows re-wrapped per transaction."))] = 500,
           as_json: Json = False) -> None:
    if not new_key_stdin:
        fail(N_("--new-key-stdin is required: the new key is read from standard input, never from arguments (make "
                "one with `%(make_one)s`)"), make_one=MAKE_ONE)
    (text,) = read_stdin_lines(1, N_("the new key (the base64 of 32 bytes)"))
    try:
        new = MasterKey(parse_key(text, "the new key on standard input"))
    except MasterKeyError as e:
        fail(str(e))
    api = client()
    keys = MasterKeys.from_secrets(*api.settings.master_key_secrets())
    after = check_rotation(api.engine, keys, new)
    key_file = api.settings.master_key_file
    if key_file is not None:  # embedded: from now on every process reads the new key, and the old one
        api.settings.install_master_key_file(new.secret)
    report = rotate_master_key(api.engine, keys, new, batch)
    left = sum(count for counts in wrapped_counts(api.engine).values()
               for key_id, count in counts.items() if key_id != new.key_id)
    temporary = {key_id: n for key_id, n in temporary_password_counts(api.engine).items() if key_id != new.key_id}
    hashed_keys = {key_id: n for key_id, n in api_key_hash_counts(api.engine).items() if key_id != new.key_id}
    steps = next_steps(keys, new, key_file, left,
                       sum(n for key_id, n in (*temporary.items(), *hashed_keys.items()) if after.holds(key_id)))
    notes = [*temporary_password_notes(temporary, after, key_file), *api_key_notes(hashed_keys, after, key_file)]
    if as_json:
        print_json({"key_id": new.key_id, "rewrapped": report.rewrapped, "unreadable": report.unreadable,
                    "left_under_other_keys": left, "temporary_passwords_under_other_keys": temporary,
                    "api_keys_under_other_keys": hashed_keys, "next_steps": [*notes, *steps]})
    else:
        done = " and ".join(f"{n} {WHAT[table][0] if n == 1 else WHAT[table][1]}"
                            for table, n in report.rewrapped.items() if n or table != "api_keys")
        print_lines([f"{done} re-wrapped under master key {new.key_id} "
                     f"(was {', '.join(keys.ids)}).",
                     *(f"could not open {what}" for what in report.unreadable), *notes, *steps])
    if report.unreadable:
        raise typer.Exit(EXIT_REFUSED)


def next_steps(keys: MasterKeys, new: MasterKey, key_file: Path | None, left: int, temporary: int = 0) -> list[str]:
    """What the operator does next, so that every host reads what the others seal."""
    old_keys = _old_keys_place(key_file)
    if keys.current.key_id == new.key_id:  # a run after every host took the new key
        if left:
            return [f"{left} rows are still under another key: run this again once every host uses the new key."]
        if temporary:
            return [f"Every wrapped secret is under the new key; {old_keys} may be removed once the {temporary} "
                    f"temporary passwords and API keys above are changed, used or replaced."]
        return [f"Nothing is left under an old key: {old_keys} may be removed."]
    if key_file is not None:
        return [f"{key_file} now holds the new key; the old one is kept in {old_keys}.",
                "Restart the worker (it still holds the old key), then run `envadmin keys rotate "
                f"--new-key-stdin` again with the same key: it re-wraps what was sealed meanwhile. Then "
                f"{old_keys} may be deleted."]
    return ["Now, on every host:",
            f"  1. set ENVADMIN_MASTER_KEY to the new key on every host (id {new.key_id}), and "
            f"ENVADMIN_OLD_MASTER_KEYS to the old one (id {keys.current.key_id});",
            "  2. restart the workers, beat and the API: until then they seal with the old key;",
            "  3. run `envadmin keys rotate --new-key-stdin` again with the new key: it re-wraps what was "
            "sealed meanwhile; then remove ENVADMIN_OLD_MASTER_KEYS."]


def temporary_password_notes(counts: dict[str, int], keys: MasterKeys, key_file: Path | None) -> list[str]:
    """What becomes of the temporary passwords hashed with keys other than the current one: a keyed hash cannot
    be re-wrapped, so it works only while its key is configured."""
    notes = []
    for key_id, count in sorted(counts.items()):
        if key_id == keys.current.key_id:
            continue
        users, have, them = (f"{count} user", "has", "that user") if count == 1 else \
            (f"{count} users", "have", "those users")
        if keys.holds(key_id):
            notes.append(f"{users} {have} a temporary password hashed with old master key {key_id}, which cannot be "
                         f"re-wrapped: it keeps working only while that key stays configured as an old key "
                         f"({_old_keys_place(key_file)}), and stops working once the key is retired (then give "
                         f"{them} a new temporary password).")
        else:
            notes.append(f"{users} {have} a temporary password hashed with master key {key_id}, which is not "
                         f"configured: it no longer works; give {them} a new temporary password.")
    return notes


def api_key_notes(counts: dict[str, int], keys: MasterKeys, key_file: Path | None) -> list[str]:
    """What becomes of the API keys hashed with keys other than the current one: each moves to the current key the
    next time it is used; one not used before its master key is retired stops working."""
    notes = []
    for key_id, count in sorted(counts.items()):
        if key_id == keys.current.key_id:
            continue
        many = f"{count} API key{'s' if count != 1 else ''}"
        if keys.holds(key_id):
            notes.append(f"{many} {'is' if count == 1 else 'are'} hashed with old master key {key_id}: each moves "
                         f"to the current key the next time it is used; one not used before that key is retired "
                         f"({_old_keys_place(key_file)}) stops working (then `envadmin api-key rotate NAME` gives "
                         f"it a new secret).")
        else:
            notes.append(f"{many} {'is' if count == 1 else 'are'} hashed with master key {key_id}, which is not "
                         f"configured: {'it no longer works' if count == 1 else 'they no longer work'}; give "
                         f"{'it' if count == 1 else 'each'} a new secret with `envadmin api-key rotate NAME`.")
    return notes


def _old_keys_place(key_file: Path | None) -> str:
    return f"{key_file}.old" if key_file else "ENVADMIN_OLD_MASTER_KEYS"


@keys_app.command("status", help=N_("The configured master keys' ids, and how many rows each key wraps."))
def status(as_json: Json = False) -> None:
    api = client()
    keys = MasterKeys.from_secrets(*api.settings.master_key_secrets())
    counts = wrapped_counts(api.engine)
    temporary = temporary_password_counts(api.engine)
    hashed_keys = api_key_hash_counts(api.engine)
    if as_json:
        print_json({"key_id": keys.current.key_id, "old_key_ids": [k.key_id for k in keys.older],
                    "wrapped": {table: {str(k): n for k, n in c.items()} for table, c in counts.items()},
                    "temporary_passwords": temporary, "api_keys": hashed_keys})
        return
    lines = [f"master key: {keys.current.key_id}",
             f"old keys: {', '.join(k.key_id for k in keys.older) or '-'}"]
    for table, by_key in counts.items():
        for key_id, count in sorted(by_key.items(), key=lambda item: str(item[0])):
            known = "from before key ids" if key_id is None else \
                f"under {key_id}{'' if keys.holds(key_id) else ' (not configured here)'}"
            lines.append(f"{table}: {count} {known}")
    for key_id, count in sorted(temporary.items()):
        lines.append(f"temporary passwords: {count} hashed with {key_id}"
                     f"{'' if keys.holds(key_id) else ' (not configured here)'}")
    for key_id, count in sorted(hashed_keys.items()):
        lines.append(f"API keys: {count} hashed with {key_id}{'' if keys.holds(key_id) else ' (not configured here)'}")
    lines += temporary_password_notes(temporary, keys, api.settings.master_key_file)
    lines += api_key_notes(hashed_keys, keys, api.settings.master_key_file)
    print_lines(lines)
