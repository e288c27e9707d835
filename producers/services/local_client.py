"""Who asks, for the lockout of password checks made on this machine (the CLI, the demo)."""
from __future__ import annotations

import getpass
import os


def local_client() -> str:
    """"local:" and the Unix user: failures of one local user never lock the email for another."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name, no passwd entry (some containers)
        user = f"uid{os.getuid()}"
    return f"local:{user}"
