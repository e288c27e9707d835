"""After sign-in, only a path of this site is followed: never another site."""
from __future__ import annotations

import pytest

from producers.web.local_paths import HOME, local_path


@pytest.mark.parametrize("value", ["/", "/welcome", "/envelopes/abc?x=1#top", "/password?next=%2Fwelcome"])
def test_a_path_of_this_site_is_kept(value):
    assert local_path(value) == value


@pytest.mark.parametrize("value", [None, "", "welcome", "//evil.example", "///evil.example", "/\\evil.example",
                                   "/\t/evil.example", "/\n/evil.example", "https://evil.example/",
                                   "javascript:alert(1)", " /welcome", "/" + "a" * 3000, 42])
def test_anything_else_is_the_home_page(value):
    assert local_path(value) == HOME
