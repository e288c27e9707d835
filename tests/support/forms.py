"""What tests read from the pages' forms."""
from __future__ import annotations

import re

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: str) -> str:
    """The CSRF token a page's form carries."""
    return _CSRF.search(page).group(1)
