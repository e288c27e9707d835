"""The identity provider's SCIM clients: CLIENTS processes, each sending its share of requests one after the other
over one keep-alive connection, every request timed until its answer."""
from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from domain.clock import SYSTEM_CLOCK

from .measure import percentiles

TIMEOUT = httpx.Timeout(120.0, connect=10.0)
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

Request = tuple[str, str, dict | None]  # method, path under the base URL, JSON body


@dataclass
class Sent:
    """What the clients were answered: the time from the first request to the last answer."""

    seconds: float = 0.0
    ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    bodies: list[dict] = field(default_factory=list)  # the JSON answers, when kept

    def rate(self) -> float:
        return round(len(self.ms) / self.seconds, 1) if self.seconds else 0.0

    def figures(self) -> dict:
        return {"requests": len(self.ms), "seconds": round(self.seconds, 3), "per_second": self.rate(),
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())}, "latency": percentiles(self.ms)}


def okta_user(email: str, number: int) -> dict:
    """A user as Okta creates one: no password, so envadmin sends an activation mail."""
    return {"schemas": [USER], "userName": email, "externalId": f"00u{number:07d}", "active": True,
            "name": {"givenName": "Bench", "familyName": f"User{number}"},
            "emails": [{"primary": True, "value": email, "type": "work"}]}


def member_add(user_id: str) -> dict:
    """Entra ID's membership change: one member a PATCH, its op capitalised."""
    return {"schemas": [PATCH], "Operations": [{"op": "Add", "path": "members", "value": [{"value": user_id}]}]}


def send(base_url: str, headers: dict, requests: list[Request], clients: int, keep_bodies: bool = False) -> Sent:
    """The requests dealt round-robin to `clients` processes, which start together."""
    shares = [requests[i::clients] for i in range(clients)]
    queue = multiprocessing.Queue()
    start = multiprocessing.Event()
    workers = [multiprocessing.Process(target=_client, args=(base_url, headers, share, start, queue, keep_bodies))
               for share in shares]
    for worker in workers:
        worker.start()
    time.sleep(0.5)  # every client connected and waiting
    started = SYSTEM_CLOCK.now().timestamp()
    start.set()
    answers = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    sent = Sent(seconds=max(answer["last_at"] for answer in answers) - started)
    for answer in answers:
        sent.ms += answer["ms"]
        sent.problems += answer["problems"][:5]
        sent.bodies += answer["bodies"]
        for status, count in answer["statuses"].items():
            sent.statuses[status] = sent.statuses.get(status, 0) + count
    return sent


def _client(base_url: str, headers: dict, share: list[Request], start, queue, keep_bodies: bool) -> None:
    result = {"ms": [], "statuses": {}, "problems": [], "bodies": [], "last_at": SYSTEM_CLOCK.now().timestamp()}
    with httpx.Client(base_url=base_url, headers=headers, timeout=TIMEOUT) as http:
        http.get("/ServiceProviderConfig")  # the connection opened before the clock starts
        start.wait()
        for method, path, body in share:
            began = time.perf_counter()
            try:
                answer = http.request(method, path, json=body)
            except httpx.HTTPError as error:
                result["problems"].append(f"{method} {path}: {error!r}")
                continue
            result["ms"].append((time.perf_counter() - began) * 1000)
            result["statuses"][answer.status_code] = result["statuses"].get(answer.status_code, 0) + 1
            if answer.status_code >= 300:
                result["problems"].append(f"{method} {path}: {answer.status_code} {answer.text[:300]}")
            elif keep_bodies and answer.content:
                result["bodies"].append(answer.json())
        result["last_at"] = SYSTEM_CLOCK.now().timestamp()
    queue.put(result)


def print_rate(label: str, sent: Sent, unit: str, echo: Callable[[str], None]) -> None:
    latency = sent.figures()["latency"]
    echo(f"  {label}: {len(sent.ms):,} {unit} in {sent.seconds:.2f}s: {sent.rate():,.0f}/s "
         f"(p50 {latency.get('p50_ms')} ms, p99 {latency.get('p99_ms')} ms)")
