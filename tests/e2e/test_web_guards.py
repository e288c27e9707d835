"""What a deployment's settings make `envadmin web` do, over HTTP: a slow-down for too many posts from one client,
and session cookies kept to https when the public URL is https. A real server process on the embedded store."""
from __future__ import annotations

import secrets

import httpx
import pytest

from ..conftest import make_settings, settings_env
from .conftest import clean_environ
from .web_server import WebServer

POSTS_PER_MINUTE = 3


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-guards")
    env = {**clean_environ(), **settings_env(make_settings(folder / "var", None, None)),
           "ENVADMIN_API_TOKEN": secrets.token_urlsafe(24), "ENVADMIN_PUBLIC_URL": "https://envadmin.example.com",
           "ENVADMIN_WEB_POSTS_PER_MINUTE": str(POSTS_PER_MINUTE)}
    web = WebServer(folder / "web.log", env, folder).start()
    try:
        try:
            web.wait_until_ready()
        except RuntimeError as problem:
            pytest.fail(str(problem)[-4000:])
        yield web
    finally:
        web.stop()


def test_too_many_posts_from_one_client_get_a_429_page_that_says_how_long_to_wait(server):
    with httpx.Client(base_url=server.url) as http:
        refused = [http.post("/register/some-token", data={"first_name": "A"}) for _ in range(POSTS_PER_MINUTE)]
        slowed = http.post("/register/some-token", data={"first_name": "A"})
        still_readable = http.get("/register/some-token")
    assert [answer.status_code for answer in refused] == [403] * POSTS_PER_MINUTE  # counted, though refused
    assert slowed.status_code == 429, slowed.text
    assert 1 <= int(slowed.headers["retry-after"]) <= 60
    assert "Too many attempts" in slowed.text and f"wait {slowed.headers['retry-after']} seconds" in slowed.text
    assert slowed.headers["content-type"].startswith("text/html") and slowed.headers["x-frame-options"] == "DENY"
    assert still_readable.status_code == 404  # pages are still served: only posts slow down
    assert "Traceback" not in server.log()


def test_the_session_cookie_is_secure_httponly_and_samesite_lax_when_the_public_url_is_https(server):
    answer = httpx.get(f"{server.url}/register/some-token")
    attributes = [part.strip().lower() for part in answer.headers["set-cookie"].split(";")]
    assert attributes[0].startswith("envadmin_session=")
    assert {"secure", "httponly", "samesite=lax"} <= set(attributes), attributes
