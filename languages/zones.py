"""Time zones a person may choose: the IANA names Python's zoneinfo knows here, and those worth offering in a list,
grouped by their region ("Europe", "America", …) as the names group them."""
from __future__ import annotations

from functools import lru_cache
from itertools import groupby
from zoneinfo import available_timezones

UTC = "UTC"
_UTC_NAMES = frozenset((UTC, "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Universal", "Zulu"))
ZONE_MAX = 64  # the longest IANA name is about 32 characters; the column holds twice that
_REGIONS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian",
            "Pacific")


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    return frozenset(available_timezones())


def known_zone(name: str | None) -> str | None:
    """`name` if it is a time zone known here (exactly as the IANA database spells it), else None."""
    return name if isinstance(name, str) and name in _known() else None


def zone_of_its_own(name: str | None) -> str | None:
    """A known zone other than UTC under any of its names: what is worth keeping for a person (UTC is the zone of
    everyone without one)."""
    return None if name in _UTC_NAMES else known_zone(name)


@lru_cache(maxsize=1)
def zone_groups() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(region, its zones sorted) for each region, regions in alphabetical order; UTC alone first. Aliases kept
    for old names ("US/Eastern", "Etc/GMT+1") are left out of the list, though still accepted when typed."""
    offered = sorted(name for name in _known() if name.split("/", 1)[0] in _REGIONS and "/" in name)
    grouped = tuple((region, tuple(names)) for region, names in groupby(offered, key=lambda n: n.split("/", 1)[0]))
    return ((UTC, (UTC,)),) + grouped
