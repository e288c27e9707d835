"""Callbacks as an upstream system receives them, from a real `envadmin worker` (with beat) on each stack: a key made
with `api-key create --callback` gets its commands' outcomes posted to a real endpoint on this machine, signed so
that the Standard Webhooks library verifies them with the key's secret; a pending grant's `applied` follows when
the invitee registers; a failing endpoint's deliveries are listed; a 410 stops them until they are redelivered."""
from __future__ import annotations

from fastapi.testclient import TestClient
from standardwebhooks import Webhook

from producers.http_app import create_http_app
from store.webhook_deliveries import counts

from ..support.callback_receiver import callback_receiver
from ..support.outbox import invite_link
from ..support.waiting import wait_until
from .api_calls import ALICE, add_user, grant, wait_until_done
from .cli_runs import describe

CAROL = "carol-2301@example.com"
DELIVERY_TIMEOUT = 30  # seconds for a worker to apply a command and post its outcome


def key_api(e2e, key: str) -> TestClient:
    """The stack's API, called with the key."""
    return TestClient(create_http_app(e2e.settings, pages=False, token=""), headers={"Authorization": f"Bearer {key}"})


def submitted(api: TestClient, *bodies: dict) -> list[str]:
    answer = api.post("/v1/commands", json={"commands": list(bodies)})
    assert answer.status_code == 202, answer.text
    return [command["id"] for command in answer.json()["commands"]]


def received(receiver, count: int) -> list:
    return wait_until(lambda: receiver.received if len(receiver.received) >= count else None,
                      f"{count} callbacks at {receiver.url}", timeout=DELIVERY_TIMEOUT, poll=0.1)


def test_outcomes_are_posted_signed_and_a_pending_grant_ends_applied_when_its_invitee_registers(e2e):
    e2e.open_account("2301", ALICE)
    with callback_receiver() as receiver:
        made = e2e.cli_json("api-key", "create", "hooks-2301", "--account", "2301", "--by", ALICE,
                            "--callback", receiver.url)
        with key_api(e2e, made["key"]) as api:
            assert made["webhook_secret"].startswith("whsec_")
            bob, last_admin, carol = submitted(api, add_user("bob-2301@example.com", account="2301"),
                                               {"type": "revoke_admin", "account": "2301", "email": ALICE},
                                               grant(CAROL, account="2301"))
            verify = Webhook(made["webhook_secret"]).verify
            bodies = {body["id"]: body for body in (verify(r.body, r.headers) for r in received(receiver, 3))}
            assert {command_id: bodies[command_id]["type"] for command_id in bodies} == {
                bob: "command.applied", last_admin: "command.rejected", carol: "command.pending"}
            assert bodies[last_admin]["account"] == "2301" and bodies[last_admin]["reason"]
            assert bodies[carol]["command_type"] == "grant_admin"

            done = e2e.cli_json("register", "--token", invite_link(e2e.settings, "2301"), "--first", "Carol",
                                "--last", "P", "--password-stdin", input="a-good-passw0rd\n")
            assert done["ok"]
            later = verify(received(receiver, 4)[3].body, receiver.received[3].headers)
            assert (later["id"], later["type"], later["status"]) == (carol, "command.applied", "applied")
            assert later["event_id"] != bodies[carol]["event_id"]
            assert wait_until_done(api, carol)["status"] == "applied"
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 4


def test_a_failing_endpoint_is_listed_and_a_410_stops_it_until_redelivered(e2e):
    # Each step waits on a state that holds until the test moves it: failing while the endpoint answers 500 (the
    # retries come 5 s, then 5 min apart), given up once it answers 410, sent once redelivered to a 204.
    e2e.open_account("2302", ALICE)
    with callback_receiver() as receiver:
        made = e2e.cli_json("api-key", "create", "hooks-2302", "--account", "2302", "--by", ALICE,
                            "--callback", receiver.url)
        with key_api(e2e, made["key"]) as api:
            receiver.status = 500
            [first] = submitted(api, add_user("bob-2302@example.com", account="2302"))
            failing = wait_until(lambda: e2e.cli_json("api-key", "deliveries", "hooks-2302")["deliveries"],
                                 "a failing delivery", timeout=DELIVERY_TIMEOUT, poll=0.2)
            assert [(d["command_id"], d["state"], d["last_status"]) for d in failing] == [(first, "failing", 500)]
            assert failing[0]["last_error"].startswith("HTTP 500") and failing[0]["next_attempt_at"]
            shown = e2e.cli("api-key", "deliveries", "hooks-2302")
            assert shown.returncode == 0 and "failing" in shown.stdout and "HTTP 500" in shown.stdout, describe(shown)

            receiver.status = 410
            assert e2e.cli_json("api-key", "deliveries", "hooks-2302", "--redeliver")["redelivered"] == 1
            gone = wait_until(lambda: [d for d in e2e.cli_json("api-key", "deliveries", "hooks-2302")["deliveries"]
                                       if d["state"] == "given_up"],
                              "a given-up delivery", timeout=DELIVERY_TIMEOUT, poll=0.2)
            assert [(d["event_id"], d["last_status"]) for d in gone] == [(failing[0]["event_id"], 410)]
            [listed] = [k for k in e2e.cli_json("api-key", "list")["keys"] if k["name"] == "hooks-2302"]
            assert listed["callback_stopped_at"] is not None
            [line] = [line for line in e2e.cli("api-key", "list").stdout.splitlines() if line.startswith("hooks-2302:")]
            assert "; outcomes posted to http" in line and "callback stopped" in line and "--redeliver" in line, line
            before = counts(e2e.client.engine)
            [after_stop] = submitted(api, add_user("dan-2302@example.com", account="2302"))
            assert wait_until_done(api, after_stop)["status"] == "applied"
            assert counts(e2e.client.engine) == before  # no delivery written for a stopped callback
            stopped = e2e.cli_json("audit", "--account", "2302", "--action", "apikey.callback_stopped")
            assert stopped["entries"], stopped

            receiver.status = 204
            tries = len(receiver.received)
            again = e2e.cli_json("api-key", "deliveries", "hooks-2302", "--redeliver",
                                 "--event", failing[0]["event_id"])
            assert again["redelivered"] == 1
            received(receiver, tries + 1)
            wait_until(lambda: e2e.cli_json("api-key", "deliveries", "hooks-2302")["deliveries"] == [],
                       "the delivery to be sent", timeout=DELIVERY_TIMEOUT, poll=0.2)
            assert len({r.headers["webhook-id"] for r in receiver.received}) == 1  # the same event each time
            [resumed] = [k for k in e2e.cli_json("api-key", "list")["keys"] if k["name"] == "hooks-2302"]
            assert resumed["callback_stopped_at"] is None


def test_a_callback_that_is_no_http_url_is_refused(e2e):
    for url, words in (("ftp://hr.example/", "expected an http:// or https:// URL"),
                       ("https:///hooks", "names no host")):
        result = e2e.cli("api-key", "create", "bad-callback", "--support", "--callback", url)
        assert result.returncode == 2 and "--callback: " in result.stderr and words in result.stderr, \
            describe(result)
        assert "Traceback" not in result.stderr
