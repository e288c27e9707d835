"""What a deployment's settings make `envadmin web` do, over HTTP: a slow-down for too many posts from one client,
and session cookies kept to https when the public URL is https. A real server process on the embedded store."""
from __future__ import annotations

import secrets
import subprocess
import sys

import httpx
import pytest

from ..support.services import free_port
from ..support.stack_settings import clean_environ, make_settings, settings_env
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


def test_every_response_tells_browsers_to_keep_to_https_when_the_public_url_is_https(server):
    with httpx.Client(base_url=server.url) as http:
        answers = {path: http.get(path) for path in ("/login", "/register/some-token", "/healthz", "/v1/status")}
    for path, answer in answers.items():
        assert answer.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains", path


def test_a_forwarded_header_sent_straight_to_the_server_is_not_believed(tmp_path):
    """No proxy is trusted by default, not even 127.0.0.1: a client that reaches the listener cannot pose as another
    address, to escape its own lockout or to lock someone else out."""
    token = secrets.token_urlsafe(24)
    env = {**clean_environ(), **settings_env(make_settings(tmp_path / "var", None, None)), "ENVADMIN_API_TOKEN": token}
    web = WebServer(tmp_path / "web.log", env, tmp_path).start()
    try:
        web.wait_until_ready()
        with httpx.Client(base_url=web.url) as http:
            for n in range(5):
                http.get("/v1/status", headers={"Authorization": f"Bearer guess-{n}",
                                                "X-Forwarded-For": f"192.0.2.{n}"})
            posing = http.get("/v1/status", headers={"Authorization": f"Bearer {token}",
                                                     "X-Forwarded-For": "192.0.2.99"})
    finally:
        web.stop()
    assert posing.status_code == 429, posing.text


@pytest.mark.parametrize("verb", [["web", "--port", str(free_port())], ["worker", "--pool", "solo"]],
                         ids=["web", "worker"])
@pytest.mark.parametrize("variable, value, reason", [
    ("ENVADMIN_OPS_PASSWORD", "Q7", "ENVADMIN_OPS_PASSWORD must be at least 16 characters long"),
    ("ENVADMIN_API_TOKEN", "short-token", "ENVADMIN_API_TOKEN must be at least 16 characters long"),
    ("ENVADMIN_MASTER_KEY", "YQ==", "ENVADMIN_MASTER_KEY must be the base64 of 32 bytes, not of 1"),
], ids=["ops-password", "api-token", "master-key"])
def test_a_short_secret_stops_the_server_at_start_with_its_reason(tmp_path, verb, variable, value, reason):
    env = {**clean_environ(), **settings_env(make_settings(tmp_path / "var", None, None)), variable: value}
    try:
        done = subprocess.run([sys.executable, "-m", "producers.cli", *verb], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"envadmin {verb[0]} started with {variable}={value!r}")
    assert done.returncode == 1
    assert f"error: {reason}" in done.stderr and "Traceback" not in done.stderr + done.stdout
    assert value not in done.stderr
