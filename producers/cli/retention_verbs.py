"""envadmin prune and envadmin archive: what the store no longer needs, removed after its retention; the history
about to go, written to a file first and loaded back for an audit (store/retention.py, store/archive.py)."""
from __future__ import annotations

from datetime import datetime, time, timezone
from pathlib import Path
from typing import Annotated, Optional

import typer

from producers.cli.context import CLOCK, EXIT_REFUSED, Json, client, fail, out, print_json
from producers.cli.speech import N_, _, ngettext, number
from store.archive import ArchiveError, archive, restore
from store.retention import Retention, prune, prune_short_lived

DryRun = Annotated[bool, typer.Option("--dry-run", help=N_("Count what would go; remove nothing."))]


def prune_verb(dry_run: DryRun = False, as_json: Json = False) -> None:
    """Remove what is past its retention (ENVADMIN_*_RETENTION_DAYS) and nothing an unfinished command, a pending
    grant, an open invite, a running job or an unsent mail needs; print how many rows of each table went."""
    api = client()
    now = CLOCK.now()
    removed = prune(api.engine, now, Retention.from_settings(api.settings), dry_run=dry_run)
    for table, n in prune_short_lived(api.engine, now, api.settings, dry_run=dry_run).items():
        removed[table] = removed.get(table, 0) + n
    if as_json:
        print_json({"dry_run": dry_run, "removed": removed})
        return
    _print_counts(removed, "would go" if dry_run else "removed")


def archive_verb(before: Annotated[Optional[str], typer.Option(
                     "--before", metavar="DATE", help=N_("Write the history the prune would remove with this cutoff "
                                                         "(YYYY-MM-DD, midnight UTC, or an ISO 8601 time)."))] = None,
                 to: Annotated[Optional[Path], typer.Option(
                     "--to", metavar="FILE", help=N_("Where to write it: gzip-compressed JSON Lines."))] = None,
                 restore_from: Annotated[Optional[Path], typer.Option(
                     "--restore", metavar="FILE", help=N_("Load an archive into this store instead."))] = None,
                 as_json: Json = False) -> None:
    """Write finished jobs, commands and audit entries from before DATE to FILE (before the prune removes them), or
    load such a FILE into a store to audit it."""
    if restore_from is not None:
        if before is not None or to is not None:
            fail(N_("--restore loads a file; --before and --to write one: use one or the other"))
        _restore(restore_from, as_json)
        return
    if before is None or to is None:
        fail(N_("give --before DATE and --to FILE to write an archive, or --restore FILE to load one"))
    cutoff = _moment(before)
    if to.exists():
        fail(N_("%(path)s already exists: an archive is never written over"), EXIT_REFUSED, path=str(to))
    written = archive(client().engine, cutoff, to)
    if as_json:
        print_json({"before": cutoff.isoformat(), "file": str(to), "written": written})
        return
    _print_counts(written, "written")
    out.print(_("written to %(path)s") % {"path": to}, markup=False)


def _restore(path: Path, as_json: bool) -> None:
    if not path.is_file():
        fail(N_("%(path)s is not a file"), path=str(path))
    try:
        added = restore(client(create_store=True).engine, path)
    except ArchiveError as e:
        fail(N_("%(path)s cannot be restored: %(problem)s"), path=str(path), problem=str(e))
    if as_json:
        print_json({"file": str(path), "restored": added})
        return
    if not added:
        out.print(_("%(path)s holds no rows: nothing restored") % {"path": path}, markup=False)
    _print_counts(added, "restored")


def _moment(given: str) -> datetime:
    try:
        moment = datetime.fromisoformat(given.strip())
    except ValueError:
        fail(N_("--before: %(value)r is not a date (YYYY-MM-DD) or an ISO 8601 time"), value=given)
    if len(given.strip()) == 10:
        moment = datetime.combine(moment.date(), time(), timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


_COUNTED = {
    "would go": lambda n: ngettext("%(table)s: %(count)s row would go", "%(table)s: %(count)s rows would go", n),
    "removed": lambda n: ngettext("%(table)s: %(count)s row removed", "%(table)s: %(count)s rows removed", n),
    "written": lambda n: ngettext("%(table)s: %(count)s row written", "%(table)s: %(count)s rows written", n),
    "restored": lambda n: ngettext("%(table)s: %(count)s row restored", "%(table)s: %(count)s rows restored", n),
}


def _print_counts(counts: dict[str, int], what: str) -> None:
    """A line per table: its name as the store names it, and how many rows."""
    for table, n in counts.items():
        out.print(_COUNTED[what](n) % {"table": table, "count": number(n)}, markup=False)
