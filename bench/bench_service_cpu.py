"""Benchmark: CPU per request of the service, in process (the Flask test client, no HTTP).

The HTTP figures of ``bench_service.py`` move with the load of a shared machine; the CPU
one request costs in the process does much less, so it is the stable figure to compare
before and after a change. Measured, each after a warm-up:

- ``POST /open311/v2/requests.json`` at demo request points (lat/long), the bodies of
  ``bench_service.py``: CPU ms per POST (thread CPU time, so the SQLite commit's wait
  on the disk is not counted; wall ms is given too);
- ``GET /open311/v2/requests.json`` with a district and a 30-day window over the
  120,000-request demo history (imported once into ``--history``): CPU ms per answer
  and rows per answer.

``--profile-part post|get`` prints the cProfile of that part (top ``--top`` functions by
cumulative time). ``--pg URL`` measures on PostgreSQL too (its own fresh database).

Usage: ``python bench/bench_service_cpu.py [--posts 2000] [--gets 400]
[--history var/bench-history.sqlite] [--pg postgresql+psycopg://...]
[--out bench/results/bench_service_cpu.json]``
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_service import get_paths, post_bodies
from common import REPO, ensure_demo

sys.path.insert(0, str(REPO))

from geo311.city import City  # noqa: E402
from geo311.service.store import open_store  # noqa: E402
from geo311.web import create_app  # noqa: E402
from geo311.web.limit_storage import shared_storage_uri  # noqa: E402
from geo311.web.serve import preload_city  # noqa: E402


def timed(calls, check) -> dict:
    """Thread CPU and wall time per call of ``calls`` (each one checked by ``check``)."""
    cpu, wall = time.thread_time(), time.perf_counter()
    for call in calls:
        check(call())
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    return {"calls": len(calls), "cpu_ms": round(1000 * cpu / len(calls), 3),
            "wall_ms": round(1000 * wall / len(calls), 3)}


def profiled(function, top: int) -> None:
    profile = cProfile.Profile(time.thread_time)     # CPU, not waits on the disk or the GIL
    profile.runcall(function)
    pstats.Stats(profile).sort_stats("cumulative").print_stats(top)


def bench_post(city: City, demo: Path, db_url: str, n: int, profile: bool, top: int) -> dict:
    store = open_store(db_url)
    key = store.create_api_key("bench")
    counters = shared_storage_uri(Path(tempfile.mkdtemp(prefix="geo311-limits-")) / "l.sqlite")
    app = create_app(city, store, config={"GEO311_POST_LIMIT": "1000000 per minute",
                                          "RATELIMIT_STORAGE_URI": counters})  # as serve
    client = app.test_client()
    bodies = [body for _, _, body in post_bodies(demo, key, n=n + 200)]
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    def posting(chunk):
        return [lambda body=body: client.post("/open311/v2/requests.json", data=body,
                                              headers=headers) for body in chunk]

    def created(answer) -> None:
        assert answer.status_code == 200, answer.get_data(as_text=True)

    timed(posting(bodies[:200]), created)                      # warm-up
    before = store.count_requests()
    if profile:
        profiled(lambda: [created(c()) for c in posting(bodies[200:])], top)
        result = {}
    else:
        result = timed(posting(bodies[200:]), created)
    result["rows_added"] = store.count_requests() - before
    store.close()
    return result


def bench_get(city: City, db_url: str, n: int, profile: bool, top: int) -> dict:
    store = open_store(db_url)
    app = create_app(city, store)
    client = app.test_client()
    paths = get_paths(city)

    def answered(answer) -> None:
        assert answer.status_code == 200, answer.get_data(as_text=True)

    cycle = [paths[i % len(paths)] for i in range(n)]
    calls = [lambda path=path: client.get(path) for path in cycle]
    timed(calls[:50], answered)                              # warm-up
    if profile:
        profiled(lambda: [c() for c in calls], top)
        return {}
    result = timed(calls, answered)
    rows = [len(client.get(path).json) for path in paths]
    result["rows_mean"] = round(sum(rows) / len(rows), 1)
    store.close()
    return result


def import_history(demo: Path, db_url: str) -> None:
    geo311 = Path(sys.executable).with_name("geo311")
    subprocess.run([str(geo311), "import", "--db", db_url, str(demo / "requests.csv"),
                    "--preset", "demo"], check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--gets", type=int, default=400)
    parser.add_argument("--history", type=Path, default=REPO / "var/bench-history.sqlite",
                        help="SQLite file of the imported demo history (made when missing)")
    parser.add_argument("--pg", help="a PostgreSQL server URL: measure there too")
    parser.add_argument("--parts", default="post,get")
    parser.add_argument("--profile-part", choices=["post", "get"])
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--out", type=Path,
                        default=REPO / "bench/results/bench_service_cpu.json")
    args = parser.parse_args()
    demo = ensure_demo()
    city = preload_city(City.open(demo))
    parts = set(args.parts.split(","))
    result: dict = {"load_average": os.getloadavg()}
    workdir = Path(tempfile.mkdtemp(prefix="geo311-cpu-"))
    databases = {"sqlite": (f"sqlite:///{workdir / 'post.sqlite'}",
                            f"sqlite:///{args.history}")}
    if args.pg:
        databases["postgresql"] = (args.pg, args.pg)
    if "get" in parts and not args.history.exists():
        args.history.parent.mkdir(parents=True, exist_ok=True)
        import_history(demo, f"sqlite:///{args.history}")
    for name, (post_url, history_url) in databases.items():
        if "get" in parts:
            if name == "postgresql":
                import_history(demo, history_url)      # idempotent: adds only what is missing
            result[f"get_{name}"] = bench_get(city, history_url, args.gets,
                                              args.profile_part == "get", args.top)
        if "post" in parts:
            result[f"post_{name}"] = bench_post(city, demo, post_url, args.posts,
                                                args.profile_part == "post", args.top)
    if not args.profile_part:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
