"""The soak's verdict: the median of the first minute after the warm-up against that of the last minute."""
from __future__ import annotations

from bench.soak_figures import growth_verdict, per_minute_counts, per_minute_requests, series


def sample(t: float, rss: float, fds: int, connections: int = 2, backends: int = 5) -> dict:
    return {"t": t, "processes": {"web": {"rss_mb": rss, "fds": fds, "connections": connections}},
            "store": {"postgresql_backends": backends, "redis_clients": 3}}


def run(points: list[tuple[float, float, int]]) -> dict:
    return growth_verdict(series([sample(t, rss, fds) for t, rss, fds in points]), warmup_seconds=600,
                          end_seconds=1800)


def test_memory_that_grows_a_fifth_after_the_warm_up_fails_and_names_the_process():
    verdict = run([(600, 100, 20), (615, 100, 20), (630, 101, 20), (1750, 120, 20), (1765, 121, 20)])
    assert not verdict["ok"]
    assert [(g["process"], g["metric"]) for g in verdict["grown"]] == [("web", "rss_mb")]
    assert verdict["grown"][0]["growth"] == 0.205  # (120.5 - 100) / 100


def test_growth_during_the_warm_up_and_a_single_spike_in_the_last_minute_are_not_judged():
    verdict = run([(60, 40, 5), (600, 100, 20), (615, 100, 20), (630, 100, 20),
                   (1750, 105, 20), (1765, 190, 20), (1780, 106, 20)])
    assert verdict["ok"], verdict["grown"]
    web_rss = next(c for c in verdict["checks"] if c["process"] == "web" and c["metric"] == "rss_mb")
    assert (web_rss["after_warmup"], web_rss["last_minute"]) == (100, 106)


def test_a_count_may_exceed_ten_percent_by_one_but_not_by_two():
    one_more = run([(600, 100, 8), (1770, 100, 9)])
    two_more = run([(600, 100, 8), (1770, 100, 11)])
    assert one_more["ok"]
    assert [g["metric"] for g in two_more["grown"]] == ["fds"]


def test_the_store_connections_are_judged_with_the_processes():
    samples = [sample(600, 100, 20, backends=5), sample(1770, 100, 20, backends=9)]
    verdict = growth_verdict(series(samples), 600, 1800)
    assert [(g["process"], g["metric"]) for g in verdict["grown"]] == [("store", "postgresql_backends")]


def test_requests_per_minute_count_the_answered_and_take_the_nearest_rank_p99():
    requests = [(5.0, "sign-in", float(ms), True) for ms in range(1, 101)] + [(70.0, "sign-in", 3.0, False)]
    table = per_minute_requests(requests, minutes=2)
    assert table["sign-in"][0] == {"minute": 1, "answered": 100, "failed": 0, "p99_ms": 99.0}
    assert table["sign-in"][1] == {"minute": 2, "answered": 0, "failed": 1, "p99_ms": None}
    assert per_minute_counts([0.0, 59.9, 60.0, 130.0, -1.0], minutes=2) == [2, 1]
