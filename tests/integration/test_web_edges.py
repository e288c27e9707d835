"""The web server's edges on a real store: guessing the shared secrets (the ops password on /ops and /metrics, the
API token) is throttled per client address as sign-in is; forwarded headers are believed from trusted proxies
only; HSTS is sent only when the public URL is https."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from producers.http_app import create_http_app
from store.tables import commands, login_failures

from ..support.stack_settings import make_settings

OPS_PASSWORD = "correct horse battery staple"
API_TOKEN = "edges-api-token-" + "x" * 16
GUESSES = 300
LOCKED_AFTER = 5  # domain.login.LoginPolicy.max_failures
PROXY, CLIENT, OTHER = "10.0.0.1", "203.0.113.9", "198.51.100.7"


@pytest.fixture
def app(database_url, tmp_path):
    settings = make_settings(tmp_path / "var", database_url, None, ops_password=OPS_PASSWORD)
    return create_http_app(settings, pages=True, token=API_TOKEN)


def from_address(app, address: str) -> TestClient:
    return TestClient(app, client=(address, 40000))


def counted_rows(app) -> int:
    with app.state.client.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(login_failures)).scalar_one()


def test_guessing_the_ops_password_locks_out_the_guessing_client_only(app):
    with from_address(app, CLIENT) as guesser, from_address(app, OTHER) as prometheus:
        answers = [guesser.get("/metrics", auth=("ops", f"guess-{n}")).status_code for n in range(GUESSES)]
        refused = guesser.get("/metrics", auth=("ops", OPS_PASSWORD))
        page = guesser.get("/ops", auth=("ops", OPS_PASSWORD))
        scraped = prometheus.get("/metrics", auth=("ops", OPS_PASSWORD))

    assert answers == [401] * LOCKED_AFTER + [429] * (GUESSES - LOCKED_AFTER)
    assert refused.status_code == 429 and 14 * 60 < int(refused.headers["retry-after"]) <= 15 * 60
    assert "too many failed attempts; try again after" in refused.text and "envadmin_" not in refused.text
    assert page.status_code == 429 and "try again after" in page.text
    assert scraped.status_code == 200 and "envadmin_dead_letters" in scraped.text


def test_the_right_ops_password_leaves_nothing_in_the_store_and_forgets_earlier_misses(app):
    with from_address(app, CLIENT) as prometheus:
        assert [prometheus.get("/metrics", auth=("ops", OPS_PASSWORD)).status_code for _ in range(3)] == [200] * 3
        assert counted_rows(app) == 0
        assert prometheus.get("/metrics", auth=("ops", "a wrong one")).status_code == 401
        assert counted_rows(app) == 1
        assert prometheus.get("/metrics", auth=("ops", OPS_PASSWORD)).status_code == 200
        assert counted_rows(app) == 0


def test_guessing_the_api_token_locks_out_the_guessing_client_only(app):
    right = {"Authorization": f"Bearer {API_TOKEN}"}
    with from_address(app, CLIENT) as guesser, from_address(app, OTHER) as upstream:
        answers = [guesser.get("/v1/status", headers={"Authorization": f"Bearer guess-{n}"}).status_code
                   for n in range(LOCKED_AFTER + 2)]
        refused = guesser.get("/v1/status", headers=right)
        allowed = upstream.get("/v1/status", headers=right)
        unannounced = guesser.get("/v1/status")

    assert answers == [401] * LOCKED_AFTER + [429] * 2
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert "too many failed attempts; try again after" in refused.json()["errors"][0]["message"]
    assert allowed.status_code == 200
    assert unannounced.status_code == 401  # no token at all is no guess: a missing header is not counted


def test_a_request_without_credentials_is_not_counted_as_a_guess(app):
    with from_address(app, CLIENT) as browser:
        assert [browser.get("/ops").status_code for _ in range(LOCKED_AFTER + 1)] == [401] * (LOCKED_AFTER + 1)
        assert browser.get("/ops", auth=("ops", OPS_PASSWORD)).status_code == 200


def lock_by_guessing(http: TestClient, forwarded_for: str) -> None:
    for n in range(LOCKED_AFTER):
        http.get("/metrics", auth=("ops", f"guess-{n}"), headers={"X-Forwarded-For": forwarded_for})


def test_forwarded_headers_are_ignored_when_no_proxy_is_trusted(app):
    with from_address(app, "127.0.0.1") as direct:
        lock_by_guessing(direct, forwarded_for=CLIENT)
        posing = direct.get("/metrics", auth=("ops", OPS_PASSWORD), headers={"X-Forwarded-For": OTHER})
    assert posing.status_code == 429  # the lock fell on the connection's address, whatever the header said


def test_forwarded_headers_of_a_trusted_proxy_name_the_client(database_url, tmp_path):
    settings = make_settings(tmp_path / "var", database_url, None, ops_password=OPS_PASSWORD,
                             trusted_proxies=f"{PROXY}, 192.0.2.0/24")
    app = create_http_app(settings, pages=True, token=API_TOKEN)
    with from_address(app, PROXY) as proxy, from_address(app, "192.0.2.200") as untrusted:
        lock_by_guessing(proxy, forwarded_for=CLIENT)
        locked = proxy.get("/metrics", auth=("ops", OPS_PASSWORD), headers={"X-Forwarded-For": CLIENT})
        another = proxy.get("/metrics", auth=("ops", OPS_PASSWORD), headers={"X-Forwarded-For": OTHER})
        lock_by_guessing(from_address(app, "10.0.0.2"), forwarded_for=OTHER)  # no proxy: locks 10.0.0.2 only
        still_open = proxy.get("/metrics", auth=("ops", OPS_PASSWORD), headers={"X-Forwarded-For": OTHER})
        in_network = untrusted.get("/metrics", auth=("ops", OPS_PASSWORD), headers={"X-Forwarded-For": CLIENT})
    assert locked.status_code == 429
    assert another.status_code == 200 and still_open.status_code == 200
    assert in_network.status_code == 429  # a trusted network's address is believed too


def test_the_api_journals_the_actor_in_the_normal_form_of_its_email(app):
    with from_address(app, CLIENT) as upstream:
        submitted = upstream.post("/v1/commands", headers={"Authorization": f"Bearer {API_TOKEN}"}, json={
            "type": "create_group", "actor": "Alice@\uff41.\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25",
            "account": "1001", "group": "Sales"})
    assert submitted.status_code == 202, submitted.text
    with app.state.client.engine.connect() as conn:
        assert conn.execute(select(commands.c.payload)).scalar_one()["actor"] == "alice@a.example"


def test_no_hsts_while_the_public_url_is_http(app):
    with from_address(app, CLIENT) as browser:
        assert "strict-transport-security" not in browser.get("/login").headers
