"""keys: rotate the master key that wraps envelope keys and mail bodies, and see which key wraps what."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from config.master_key import MAKE_ONE, MasterKeyError, parse_key
from config.texts import Text
from domain.master_keys import MasterKey, MasterKeys
from producers.cli.context import EXIT_REFUSED, Json, client, fail, print_json, print_lines, read_stdin_lines
from producers.cli.speech import N_, _, ngettext, number
from store.key_rotation import (
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
        new = MasterKey(parse_key(text, Text(N_("the new key on standard input"))))
    except MasterKeyError as e:
        fail(e.message)
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
        print_lines([_("%(done)s re-wrapped under master key %(key)s (was %(old)s).")
                     % {"done": _rewrapped(report.rewrapped), "key": new.key_id, "old": ", ".join(keys.ids)},
                     *(_("could not open %(what)s") % {"what": what} for what in report.unreadable), *notes, *steps])
    if report.unreadable:
        raise typer.Exit(EXIT_REFUSED)


def _rewrapped(counts: dict[str, int]) -> str:
    """"1 envelope key and 2 mail bodies": each table's count, the webhook secrets only when there were some."""
    said = [_rewrapped_count(table, n) for table, n in counts.items() if n or table != "api_keys"]
    done = said[-1]
    for first in reversed(said[:-1]):
        done = _("%(first)s and %(rest)s") % {"first": first, "rest": done}
    return done


def _rewrapped_count(table: str, n: int) -> str:
    said = {"count": number(n)}
    if table == "envelopes":
        return ngettext("%(count)s envelope key", "%(count)s envelope keys", n) % said
    if table == "mail_outbox":
        return ngettext("%(count)s mail body", "%(count)s mail bodies", n) % said
    return ngettext("%(count)s webhook secret", "%(count)s webhook secrets", n) % said


def next_steps(keys: MasterKeys, new: MasterKey, key_file: Path | None, left: int, temporary: int = 0) -> list[str]:
    """What the operator does next, so that every host reads what the others seal."""
    old_keys = _old_keys_place(key_file)
    if keys.current.key_id == new.key_id:  # a run after every host took the new key
        if left:
            return [ngettext("%(count)s row is still under another key: run this again once every host uses the new "
                             "key.", "%(count)s rows are still under another key: run this again once every host "
                             "uses the new key.", left) % {"count": number(left)}]
        if temporary:
            return [ngettext("Every wrapped secret is under the new key; %(old_keys)s may be removed once the "
                             "%(count)s temporary password or API key above is changed, used or replaced.",
                             "Every wrapped secret is under the new key; %(old_keys)s may be removed once the "
                             "%(count)s temporary passwords and API keys above are changed, used or replaced.",
                             temporary) % {"old_keys": old_keys, "count": number(temporary)}]
        return [_("Nothing is left under an old key: %(old_keys)s may be removed.") % {"old_keys": old_keys}]
    if key_file is not None:
        said = {"file": key_file, "old_keys": old_keys}
        return [_("%(file)s now holds the new key; the old one is kept in %(old_keys)s.") % said,
                _("Restart the worker (it still holds the old key), then run `envadmin keys rotate --new-key-stdin` "
                  "again with the same key: it re-wraps what was sealed meanwhile. Then %(old_keys)s may be "
                  "deleted.") % said]
    return [_("Now, on every host:"),
            _("  1. set ENVADMIN_MASTER_KEY to the new key on every host (id %(new)s), and ENVADMIN_OLD_MASTER_KEYS "
              "to the old one (id %(old)s);") % {"new": new.key_id, "old": keys.current.key_id},
            _("  2. restart the workers, beat and the API: until then they seal with the old key;"),
            _("  3. run `envadmin keys rotate --new-key-stdin` again with the new key: it re-wraps what was sealed "
              "meanwhile; then remove ENVADMIN_OLD_MASTER_KEYS.")]


def temporary_password_notes(counts: dict[str, int], keys: MasterKeys, key_file: Path | None) -> list[str]:
    """What becomes of the temporary passwords hashed with keys other than the current one: a keyed hash cannot
    be re-wrapped, so it works only while its key is configured."""
    notes = []
    for key_id, count in sorted(counts.items()):
        if key_id == keys.current.key_id:
            continue
        said = {"count": number(count), "key": key_id, "old_keys": _old_keys_place(key_file)}
        if keys.holds(key_id):
            notes.append(ngettext(
                "%(count)s user has a temporary password hashed with old master key %(key)s, which cannot be "
                "re-wrapped: it keeps working only while that key stays configured as an old key (%(old_keys)s), "
                "and stops working once the key is retired (then give that user a new temporary password).",
                "%(count)s users have a temporary password hashed with old master key %(key)s, which cannot be "
                "re-wrapped: it keeps working only while that key stays configured as an old key (%(old_keys)s), "
                "and stops working once the key is retired (then give those users a new temporary password).",
                count) % said)
        else:
            notes.append(ngettext(
                "%(count)s user has a temporary password hashed with master key %(key)s, which is not configured: "
                "it no longer works; give that user a new temporary password.",
                "%(count)s users have a temporary password hashed with master key %(key)s, which is not "
                "configured: it no longer works; give those users a new temporary password.", count) % said)
    return notes


def api_key_notes(counts: dict[str, int], keys: MasterKeys, key_file: Path | None) -> list[str]:
    """What becomes of the API keys hashed with keys other than the current one: each moves to the current key the
    next time it is used; one not used before its master key is retired stops working."""
    notes = []
    for key_id, count in sorted(counts.items()):
        if key_id == keys.current.key_id:
            continue
        said = {"count": number(count), "key": key_id, "old_keys": _old_keys_place(key_file)}
        if keys.holds(key_id):
            notes.append(ngettext(
                "%(count)s API key is hashed with old master key %(key)s: it moves to the current key the next time "
                "it is used; if it is not used before that key is retired (%(old_keys)s), it stops working (then "
                "`envadmin api-key rotate NAME` gives it a new secret).",
                "%(count)s API keys are hashed with old master key %(key)s: each moves to the current key the next "
                "time it is used; one not used before that key is retired (%(old_keys)s) stops working (then "
                "`envadmin api-key rotate NAME` gives it a new secret).", count) % said)
        else:
            notes.append(ngettext(
                "%(count)s API key is hashed with master key %(key)s, which is not configured: it no longer works; "
                "give it a new secret with `envadmin api-key rotate NAME`.",
                "%(count)s API keys are hashed with master key %(key)s, which is not configured: they no longer "
                "work; give each a new secret with `envadmin api-key rotate NAME`.", count) % said)
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
    lines = [_("master key: %(key)s") % {"key": keys.current.key_id},
             _("old keys: %(keys)s") % {"keys": ", ".join(k.key_id for k in keys.older) or "-"}]
    for table, by_key in counts.items():
        for key_id, count in sorted(by_key.items(), key=lambda item: str(item[0])):
            lines.append(_wrapped_line(table, key_id, count, keys))
    for key_id, count in sorted(temporary.items()):
        said = {"count": number(count), "key": key_id}
        lines.append(_("temporary passwords: %(count)s hashed with %(key)s") % said if keys.holds(key_id) else
                     _("temporary passwords: %(count)s hashed with %(key)s (not configured here)") % said)
    for key_id, count in sorted(hashed_keys.items()):
        said = {"count": number(count), "key": key_id}
        lines.append(_("API keys: %(count)s hashed with %(key)s") % said if keys.holds(key_id) else
                     _("API keys: %(count)s hashed with %(key)s (not configured here)") % said)
    lines += temporary_password_notes(temporary, keys, api.settings.master_key_file)
    lines += api_key_notes(hashed_keys, keys, api.settings.master_key_file)
    print_lines(lines)


def _wrapped_line(table: str, key_id: str | None, count: int, keys: MasterKeys) -> str:
    """"envelopes: 3 under 1a2b…": the table as the store names it, and under which key its rows are."""
    said = {"table": table, "count": number(count), "key": key_id}
    if key_id is None:
        return _("%(table)s: %(count)s from before key ids") % said
    if keys.holds(key_id):
        return _("%(table)s: %(count)s under %(key)s") % said
    return _("%(table)s: %(count)s under %(key)s (not configured here)") % said
