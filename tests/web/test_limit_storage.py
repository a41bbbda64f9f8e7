"""The rate limits hold across processes: the shared counters file, and the workers of
``geo311 serve`` enforcing one limit together."""

from __future__ import annotations

import gc
import multiprocessing
import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from geo311.city import City
from geo311.web.limit_storage import SharedFileStorage, shared_storage_uri
from geo311.web.serve import Server, serve

LIMIT = parse("25 per minute")


def _hits(uri: str, n: int, start, results) -> None:
    """In a child process: wait for the start, then hit the limit ``n`` times."""
    limiter = FixedWindowRateLimiter(storage_from_string(uri))
    start.wait()
    results.put(sum(limiter.hit(LIMIT, "client-1") for _ in range(n)))


def test_processes_share_one_count(tmp_path):
    uri = shared_storage_uri(tmp_path / "limits.sqlite")
    assert isinstance(storage_from_string(uri), SharedFileStorage)
    context = multiprocessing.get_context("fork")
    start, results = context.Event(), context.Queue()
    children = [context.Process(target=_hits, args=(uri, 20, start, results))
                for _ in range(3)]
    for child in children:
        child.start()
    start.set()
    allowed = [results.get(timeout=60) for _ in children]
    for child in children:
        child.join(timeout=60)
    assert sum(allowed) == 25          # 60 hits, one limit of 25: each alone would allow 20
    storage = storage_from_string(uri)
    assert storage.get(LIMIT.key_for("client-1")) == 60
    assert storage.get(LIMIT.key_for("client-2")) == 0


def test_a_window_ends_and_counts_start_again(tmp_path):
    storage = storage_from_string(shared_storage_uri(tmp_path / "limits.sqlite"))
    assert [storage.incr("k", 1) for _ in range(3)] == [1, 2, 3]
    assert time.time() < storage.get_expiry("k") <= time.time() + 1
    time.sleep(1.05)
    assert storage.get("k") == 0
    assert storage.incr("k", 60, amount=2) == 2
    storage.clear("k")
    assert storage.get("k") == 0
    storage.incr("a", 60)
    storage.incr("b", 60)
    assert storage.reset() == 2 and storage.check()


def test_the_workers_of_serve_enforce_one_limit(demo_dir, tmp_path, monkeypatch):
    """``serve`` gives every worker's app (each gunicorn worker calls ``make_app`` once,
    after the fork) the same counters: POSTs alternating between two workers' apps are
    limited as if one process answered them all (per-process memory would allow 12)."""
    made = {}

    def run(server) -> None:        # in place of gunicorn's arbiter: make two workers' apps
        made["apps"] = [server.load(), server.load()]
        made["workers"] = server.options["workers"]

    monkeypatch.setattr(Server, "run", run)
    monkeypatch.setattr(gc, "freeze", lambda: None)     # not in the test process
    serve(City.open(demo_dir), f"sqlite:///{tmp_path / 'store.sqlite'}", workers=2,
          config={"GEO311_POST_LIMIT": "6 per minute"})
    assert made["workers"] == 2
    clients = [app.test_client() for app in made["apps"]]
    codes = [clients[i % 2].post("/open311/v2/requests.json",
                                 data={"service_code": "STORM_DRAIN"}).status_code
             for i in range(16)]
    assert codes == [403] * 6 + [429] * 10          # no api_key: 403 while under the limit
