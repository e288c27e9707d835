"""Onboarding files as operators write them: the header, then one row per line."""
from __future__ import annotations

from pathlib import Path

HEADER = "action,account,name,email,first_name,last_name,group,by\n"


def write(path: Path, *lines: str) -> Path:
    path.write_text(HEADER + "".join(line + "\n" for line in lines))
    return path
