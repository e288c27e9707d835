"""The upstream system's HTTP clients: CLIENTS processes posting batches to POST /v1/commands, each batch with an
Idempotency-Key, a few sent twice as a client retrying after a lost answer; and one more process posting single
commands meanwhile, until the batches' outcomes are in, each POST timed until its 202."""
from __future__ import annotations

import json
import multiprocessing
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from domain.clock import SYSTEM_CLOCK

from .measure import BenchError, percentiles
from .upstream_workload import UpstreamPlan, grant_json

CLIENTS = 4
TIMEOUT = httpx.Timeout(120.0, connect=10.0)  # a batch waits behind the others' on two busy cores


@dataclass
class Posted:
    """What the clients were answered."""

    ids: list[str] = field(default_factory=list)  # every command id of a first answer
    single_ids: list[str] = field(default_factory=list)
    retried_ids: list[str] = field(default_factory=list)  # the ids of the batches sent twice
    retries_replayed: int = 0  # retries answered with the first answer (same ids, Idempotent-Replayed)
    single_ms: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    started_at: float = 0.0  # wall time of the first request
    posted_seconds: float = 0.0  # until the last batch was answered


def post_batches(url: str, key: str, batches: list[list[dict]], retry: set[int], out) -> None:
    """One client: each batch once (and those of `retry` a second time), one after the other."""
    result = {"ids": [], "retried_ids": [], "replayed": 0, "problems": []}
    try:
        _post_batches(url, key, batches, retry, result)
    except httpx.HTTPError as error:
        result["problems"].append(f"a batch client stopped: {type(error).__name__}: {error}")
    out.put(("batches", result))


def _post_batches(url: str, key: str, batches: list[list[dict]], retry: set[int], result: dict) -> None:
    with httpx.Client(base_url=url, timeout=TIMEOUT, headers={"authorization": f"Bearer {key}"}) as http:
        for index, batch in enumerate(batches):
            body = json.dumps({"commands": batch}).encode()
            headers = {"idempotency-key": str(uuid.uuid4()), "content-type": "application/json"}
            first = http.post("/v1/commands", content=body, headers=headers)
            if first.status_code != 202:
                result["problems"].append(f"a batch answered {first.status_code}: {first.text[:300]}")
                continue
            ids = [command["id"] for command in first.json()["commands"]]
            result["ids"] += ids
            if index in retry:
                again = http.post("/v1/commands", content=body, headers=headers)
                result["retried_ids"] += ids
                if again.status_code == 202 and again.headers.get("idempotent-replayed") == "true" \
                        and [command["id"] for command in again.json()["commands"]] == ids:
                    result["replayed"] += 1
                else:
                    result["problems"].append(f"a retried batch answered {again.status_code} "
                                              f"(replayed: {again.headers.get('idempotent-replayed')}), not the "
                                              "first answer")


def post_singles(url: str, key: str, commands: list[dict], pause: float, stop, out) -> None:
    """The fifth client: one command a request, each with an Idempotency-Key, until `stop` is set."""
    result = {"ids": [], "ms": [], "problems": []}
    try:
        _post_singles(url, key, commands, pause, stop, result)
    except httpx.HTTPError as error:
        result["problems"].append(f"the single-command client stopped: {type(error).__name__}: {error}")
    out.put(("singles", result))


def _post_singles(url: str, key: str, commands: list[dict], pause: float, stop, result: dict) -> None:
    with httpx.Client(base_url=url, timeout=TIMEOUT, headers={"authorization": f"Bearer {key}"}) as http:
        for command in commands:
            if stop.is_set():
                break
            started = time.perf_counter()
            answer = http.post("/v1/commands", json=command, headers={"idempotency-key": str(uuid.uuid4())})
            elapsed = (time.perf_counter() - started) * 1000
            if answer.status_code == 202:
                result["ms"].append(elapsed)
                result["ids"].append(answer.json()["commands"][0]["id"])
            else:
                result["problems"].append(f"a single command answered {answer.status_code}: {answer.text[:300]}")
            time.sleep(pause)


def run_clients(url: str, key: str, plan: UpstreamPlan, retries: int, single_pause: float,
                while_singles: Callable[[Posted], None]) -> Posted:
    """CLIENTS batch clients (batch i is client i mod CLIENTS's) and the single-command client, each a process,
    started together. Once the batch clients are done, `while_singles` is called with what they were answered, the
    single client still posting; it is stopped when `while_singles` returns."""
    context = multiprocessing.get_context("fork")
    out, singles_out, stop = context.Queue(), context.Queue(), context.Event()
    shares = [plan.batches[client::CLIENTS] for client in range(CLIENTS)]
    retry_every = max(1, len(shares[0]) // max(1, retries // CLIENTS)) if retries else 0
    batch_processes = [context.Process(target=post_batches, args=(
        url, key, share, set(range(0, len(share), retry_every)) if retry_every else set(), out))
        for share in shares if share]
    single = context.Process(target=post_singles, args=(url, key, [grant_json(g) for g in plan.singles],
                                                        single_pause, stop, singles_out))
    posted = Posted(started_at=SYSTEM_CLOCK.now().timestamp())
    started = time.perf_counter()
    for process in (*batch_processes, single):
        process.start()
    try:
        for _ in batch_processes:
            _kind, result = out.get()  # before join: a child exits once its queue is read
            posted.problems += result["problems"]
            posted.ids += result["ids"]
            posted.retried_ids += result["retried_ids"]
            posted.retries_replayed += result["replayed"]
        posted.posted_seconds = time.perf_counter() - started
        while_singles(posted)
    finally:
        stop.set()
    _kind, result = singles_out.get()
    posted.problems += result["problems"]
    posted.single_ids, posted.single_ms = result["ids"], result["ms"]
    for process in (*batch_processes, single):
        process.join(30)
        if process.exitcode != 0:
            raise BenchError(f"an HTTP client process exited with code {process.exitcode}")
    return posted


def single_latency(posted: Posted) -> dict:
    return {"commands": len(posted.single_ms), **percentiles(posted.single_ms)}
