"""Benchmark: the web service under a real HTTP load generator (wrk) on loopback.

Starts ``geo311 serve`` on the demo region and measures, in one run:

- ``GET /api/v1/validate`` at rising concurrency: requests/s, p50/p99 latency, errors;
  the baseline is the library's ``Validator.validate`` called in-process over the same
  addresses (one core), and the ratio of the service to it;
- ``POST /open311/v2/requests.json`` on SQLite (and PostgreSQL with ``--pg URL``):
  requests/s, then the rows counted in the store against the acknowledged POSTs;
- ``GET /open311/v2/requests.json`` with a district and a date filter over the imported
  demo history (``geo311 import``): p50/p99.

wrk is the Debian package ``wrk``. Targets on the 2-core machine: >= 1,000 validations/s
with p99 <= 20 ms and no error; >= 300 POSTs/s with every acknowledged request stored;
GET requests p99 <= 50 ms.

Usage: ``python bench/bench_service.py [--duration 10] [--concurrency 1,4,16,32,64]
[--workers N] [--pg postgresql+psycopg://...] [--parts validate,post,get]
[--out bench/results/bench_service.json]``
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import numpy as np
import pandas as pd
from common import REPO, ensure_demo

sys.path.insert(0, str(REPO))

from geo311.city import City  # noqa: E402
from geo311.service.definitions import load_definitions  # noqa: E402
from geo311.service.store import open_store  # noqa: E402
from testsupport.served import ServeProcess  # noqa: E402

REPORT_LUA = """
done = function(summary, latency, requests)
  io.write(string.format(
    "WRK_JSON {\\"requests\\": %d, \\"duration_us\\": %d, \\"connect\\": %d, \\"read\\": %d, "
    .. "\\"write\\": %d, \\"status\\": %d, \\"timeout\\": %d, \\"p50_us\\": %d, "
    .. "\\"p90_us\\": %d, \\"p99_us\\": %d, \\"max_us\\": %d}\\n",
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def lua_cycle(requests: list[tuple[str, str, str | None]]) -> str:
    """A wrk script cycling through (method, path, form body) requests, each thread from
    its own offset, and printing a JSON summary."""
    lines = ["local reqs = {"]
    for method, path, body in requests:
        lua_body = json.dumps(body) if body else "nil"  # url-encoded: plain ASCII
        lines.append(f"  {{{json.dumps(method)}, {json.dumps(path)}, {lua_body}}},")
    lines.append("}")
    lines.append("""
local counter = 0
local threads = 0
setup = function(thread) thread:set("offset", threads * 7919); threads = threads + 1 end
init = function(args) counter = offset or 0 end
request = function()
  counter = counter + 1
  local r = reqs[(counter % #reqs) + 1]
  if r[3] then
    return wrk.format(r[1], r[2], {["Content-Type"] = "application/x-www-form-urlencoded"}, r[3])
  end
  return wrk.format(r[1], r[2])
end
""")
    return "\n".join(lines) + REPORT_LUA


def run_wrk(url: str, script: str, connections: int, duration: float, threads: int = 2) -> dict:
    """One wrk run; its JSON summary with rates and milliseconds."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    threads = max(1, min(threads, connections))
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections),
                          "-d", f"{duration:g}s", "--timeout", "10s", "-s", handle.name, url],
                         capture_output=True, text=True, check=True).stdout
    Path(handle.name).unlink()
    line = next(x for x in out.splitlines() if x.startswith("WRK_JSON "))
    raw = json.loads(line.removeprefix("WRK_JSON "))
    seconds = raw["duration_us"] / 1e6
    errors = sum(raw[k] for k in ("connect", "read", "write", "status", "timeout"))
    return {"connections": connections, "requests": raw["requests"],
            "per_s": round(raw["requests"] / seconds, 1), "errors": errors,
            "non_2xx": raw["status"], "p50_ms": raw["p50_us"] / 1000,
            "p90_ms": raw["p90_us"] / 1000, "p99_ms": raw["p99_us"] / 1000,
            "max_ms": raw["max_us"] / 1000, "raw": raw}


def demo_addresses(demo: Path, n: int, seed: int = 0) -> list[str]:
    """``n`` request addresses as callers typed them (repeats kept, as intake has them)."""
    frame = pd.read_csv(demo / "requests.csv", usecols=["address"], dtype=str).dropna()
    rng = np.random.default_rng(seed)
    return list(frame["address"].to_numpy()[rng.integers(0, len(frame), n)])


def in_process_validate(demo: Path, addresses: list[str]) -> dict:
    """The baseline: ``Validator.validate`` in this process, one call per address."""
    validator = City.open(demo).validator
    for text in addresses[:200]:
        validator.validate(text)          # warm-up, as the served workers are
    start = time.perf_counter()
    for text in addresses:
        validator.validate(text)
    seconds = time.perf_counter() - start
    return {"addresses": len(addresses), "per_s": round(len(addresses) / seconds, 1)}


def bench_validate(server: ServeProcess, demo: Path, concurrency: list[int],
                   duration: float) -> dict:
    addresses = demo_addresses(demo, 5000)
    requests = [("GET", "/api/v1/validate?" + urllib.parse.urlencode({"address": a}), None)
                for a in addresses]
    script = lua_cycle(requests)
    run_wrk(server.url, script, 8, 3)     # warm every worker's caches a little
    runs = [run_wrk(server.url, script, c, duration) for c in concurrency]
    baseline = in_process_validate(demo, addresses)
    best = max(runs, key=lambda r: r["per_s"])
    return {"runs": runs, "in_process": baseline,
            "best_per_s": best["per_s"],
            "ratio_to_in_process": round(best["per_s"] / baseline["per_s"], 2)}


def post_bodies(demo: Path, key: str, n: int = 2000, seed: int = 1) -> list:
    """Open311 POST bodies at demo request locations inside the city (lat/long), of the
    services without required attributes."""
    city = City.open(demo)
    definitions = load_definitions(city.profile)
    free = [code for code in definitions.codes
            if not any(a.required for a in definitions.attributes(code))]
    frame = pd.read_csv(demo / "requests.csv", usecols=["service_code", "lon", "lat"]).dropna()
    frame = frame[frame["service_code"].isin(free)]
    inside = city.locator.locate_many(frame["lon"].to_numpy(), frame["lat"].to_numpy(),
                                      near_boundary=False).in_jurisdiction
    frame = frame[inside].sample(n, random_state=seed)
    return [("POST", "/open311/v2/requests.json", urllib.parse.urlencode({
        "api_key": key, "service_code": r.service_code, "lat": r.lat, "long": r.lon,
        "description": f"bench {i}", "email": "bench@example.org"}))
        for i, r in enumerate(frame.itertuples())]


def bench_post(demo: Path, db_url: str, workers: int, concurrency: int,
               duration: float, log: Path) -> dict:
    store = open_store(db_url)
    key = store.create_api_key("bench")
    before = store.count_requests()
    store.close()
    server = ServeProcess(demo, db_url, workers=workers, log=log,
                          extra=["--post-limit", "1000000 per minute"]).start()
    try:
        run = run_wrk(server.url, lua_cycle(post_bodies(demo, key)), concurrency, duration)
    finally:
        server.stop()
    store = open_store(db_url)
    stored = store.count_requests() - before
    store.close()
    acknowledged = run["requests"] - run["non_2xx"]
    return {**run, "acknowledged": acknowledged, "rows_added": stored,
            "lost": max(0, acknowledged - stored)}


def get_paths(city: City) -> list[str]:
    """The ``GET requests`` of the bench: each district of the first layer, four 30-day
    windows, every other one open only."""
    layer = city.locator.districts[0]
    paths = []
    for i, district in enumerate(layer.ids):
        for month in range(1, 13, 3):
            start = pd.Timestamp(2025, month, 1, tz="UTC")
            query = urllib.parse.urlencode({
                "start_date": start.isoformat(),
                "end_date": (start + pd.Timedelta(days=30)).isoformat(),
                f"district[{layer.key}]": district, "status": "open" if i % 2 else ""})
            paths.append(f"/open311/v2/requests.json?{query}")
    return paths


def bench_get_requests(server: ServeProcess, demo: Path, concurrency: int,
                       duration: float) -> dict:
    city = City.open(demo)
    requests = [("GET", path, None) for path in get_paths(city)]
    return {"district_layer": city.locator.districts[0].key,
            **run_wrk(server.url, lua_cycle(requests), concurrency, duration)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", default="1,4,16,32,64")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--pg", help="a PostgreSQL server URL for the POST run")
    parser.add_argument("--parts", default="validate,post,get")
    parser.add_argument("--get-concurrency", default="1,4,16",
                        help="connections for the GET requests runs (one run each)")
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/bench_service.json")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    demo = ensure_demo()
    parts = set(args.parts.split(","))
    workdir = Path(tempfile.mkdtemp(prefix="geo311-bench-"))
    log = workdir / "serve.log"
    workers = args.workers or 2
    result: dict = {"workers": workers, "duration_s": args.duration, "log": str(log)}
    history_db = f"sqlite:///{workdir / 'history.sqlite'}"
    if "validate" in parts or "get" in parts:
        if "get" in parts:
            subprocess.run([str(Path(sys.executable).with_name("geo311")), "import",
                            "--db", history_db, str(demo / "requests.csv"), "--preset", "demo"],
                           check=True, stdout=subprocess.DEVNULL)
        with ServeProcess(demo, history_db, workers=workers, log=log) as server:
            if "validate" in parts:
                result["validate"] = bench_validate(
                    server, demo, [int(c) for c in args.concurrency.split(",")], args.duration)
            if "get" in parts:
                result["get_requests"] = [
                    bench_get_requests(server, demo, int(c), args.duration)
                    for c in args.get_concurrency.split(",")]
    if "post" in parts:
        result["post_sqlite"] = bench_post(demo, f"sqlite:///{workdir / 'post.sqlite'}",
                                           workers, 32, args.duration, log)
        if args.pg:
            result["post_postgresql"] = bench_post(demo, args.pg, workers, 32,
                                                   args.duration, log)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
