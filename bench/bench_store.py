"""Benchmark: the request store on SQLite and PostgreSQL over the demo's 120,000 requests.

For each database (a fresh SQLite file; a fresh database on the PostgreSQL server of
``--pg`` or ``$GEO311_TEST_PG``, skipped when neither is given):

- ``import``: :meth:`Store.import_requests` of the demo's ``requests.csv`` (located once,
  districts stored), rows per second; then a second run (adds nothing), seconds.
- ``list_requests``: ``GET requests`` with a ward and a 30-day window (Open311 allows at
  most 90 days and 1,000 rows), random ward and window per query; p50/p99 in ms of
  ``list_requests`` (full rows) and ``list_public`` (``store_lean``: the path the public
  ``GET requests`` takes). The baseline filters and sorts the same located frame in memory
  with pandas.
- ``nearby_open``: open requests within 50 m of a random demo point (the intake
  duplicate check); p50/p99 in ms. The baseline is a numpy haversine over every open
  request of the frame.

``ratio`` is the store's p99 over the baseline's p99. The issue's target: ``GET requests``
with a district and a date filter, p99 <= 50 ms. Numbers depend on the machine's load:
the JSON records the load average at the start and the end.

Usage: ``python bench/bench_store.py [--queries 300] [--pg URL] [--out FILE.json]``
(default output: ``bench/results/bench_store.json``)
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from common import DEMO, REPO, ensure_demo
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from geo311.city import City
from geo311.service.records import RequestQuery
from geo311.service.store import open_store


def percentiles(times: list[float]) -> dict[str, float]:
    """p50 and p99 of ``times`` (seconds), in milliseconds."""
    return {"p50_ms": round(float(np.percentile(times, 50)) * 1e3, 2),
            "p99_ms": round(float(np.percentile(times, 99)) * 1e3, 2)}


def fresh_pg(base: str) -> tuple[str, callable]:
    """A new database on the server of ``base``: its URL and a function dropping it."""
    server = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"geo311_bench_{secrets.token_hex(4)}"
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return make_url(base).set(database=name).render_as_string(hide_password=False), drop


def queries(frame: pd.DataFrame, n: int, seed: int) -> list[tuple[str, pd.Timestamp]]:
    """``n`` random (ward, window start) pairs inside the frame's time span."""
    rng = np.random.default_rng(seed)
    wards = sorted(frame["ward_id"].dropna().unique())
    first, last = frame["created"].min(), frame["created"].max() - pd.Timedelta(days=30)
    span = (last - first).total_seconds()
    return [(str(rng.choice(wards)), first + pd.Timedelta(seconds=int(rng.random() * span)))
            for _ in range(n)]


def bench_list(store, frame: pd.DataFrame, cases) -> dict:
    """list_requests (full rows) and list_public (the lean path of the public ``GET
    requests``) with a ward and a 30-day window, against a pandas filter."""
    store_times, lean_times, base_times, sizes = [], [], [], []
    for ward, start in cases:
        end = start + pd.Timedelta(days=30)
        query = RequestQuery(districts={"ward": [ward]}, start=start.isoformat(),
                             end=end.isoformat(), limit=1000)
        t0 = time.perf_counter()
        got = store.list_requests(query)
        store_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        lean = store.list_public(query)
        lean_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        keep = ((frame["ward_id"] == ward) & (frame["created"] >= start)
                & (frame["created"] < end))
        want = frame[keep].sort_values("created", ascending=False).head(1000)
        base_times.append(time.perf_counter() - t0)
        if not len(got) == len(lean) == len(want):
            raise SystemExit(f"list_requests gave {len(got)} rows, list_public {len(lean)}, "
                             f"pandas {len(want)}")
        sizes.append(len(got))
    store_p, lean_p = percentiles(store_times), percentiles(lean_times)
    base_p = percentiles(base_times)
    return {"queries": len(cases), "rows_mean": round(float(np.mean(sizes)), 1),
            "store": store_p, "store_lean": lean_p, "pandas_baseline": base_p,
            "ratio_p99": round(store_p["p99_ms"] / base_p["p99_ms"], 2),
            "ratio_p99_lean": round(lean_p["p99_ms"] / base_p["p99_ms"], 2),
            "target_p99_ms": 50, "meets_target": lean_p["p99_ms"] <= 50}


def haversine(lon, lat, lons, lats):
    p0, p = np.radians(lat), np.radians(lats)
    h = (np.sin((p - p0) / 2) ** 2
         + np.cos(p0) * np.cos(p) * np.sin(np.radians(lons - lon) / 2) ** 2)
    return 2 * 6371008.8 * np.arcsin(np.sqrt(h))


def bench_nearby(store, frame: pd.DataFrame, n: int, seed: int) -> dict:
    """nearby_open within 50 m of demo points, against a numpy haversine over the frame."""
    rng = np.random.default_rng(seed)
    open_ = frame[~frame["is_closed"] & frame["valid"]]
    lons, lats = open_["lon"].to_numpy(), open_["lat"].to_numpy()
    store_times, base_times, found = [], [], []
    for k in rng.integers(0, len(open_), n):
        lon, lat = lons[k] + rng.normal(0, 2e-4), lats[k] + rng.normal(0, 2e-4)
        t0 = time.perf_counter()
        got = store.nearby_open(lon, lat, 50.0, limit=100)
        store_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        d = haversine(lon, lat, lons, lats)
        near = np.flatnonzero(d <= 50.0)
        near = near[np.argsort(d[near])]
        base_times.append(time.perf_counter() - t0)
        if len(got) != min(len(near), 100):
            raise SystemExit(f"nearby_open gave {len(got)}, numpy {len(near)}")
        found.append(len(got))
    store_p, base_p = percentiles(store_times), percentiles(base_times)
    return {"queries": n, "found_mean": round(float(np.mean(found)), 2), "store": store_p,
            "numpy_baseline": base_p,
            "ratio_p99": round(store_p["p99_ms"] / base_p["p99_ms"], 2)}


def run(url: str, csv: Path, city: City, frame: pd.DataFrame, n: int) -> dict:
    store = open_store(url)
    t0 = time.perf_counter()
    report = store.import_requests(csv, "demo", locator=city.locator)
    seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = store.import_requests(csv, "demo", locator=city.locator)
    rerun = time.perf_counter() - t0
    result = {
        "import": {"rows": report.rows, "added": report.added, "seconds": round(seconds, 1),
                   "rows_per_s": round(report.added / seconds),
                   "rerun_added": again.added, "rerun_seconds": round(rerun, 1)},
        "list_requests_ward_30_days": bench_list(store, frame, queries(frame, n, 1)),
        "nearby_open_50m": bench_nearby(store, frame, n, 2),
    }
    store.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--pg", default=os.environ.get("GEO311_TEST_PG"))
    parser.add_argument("--out", default=str(REPO / "bench/results/bench_store.json"))
    args = parser.parse_args()
    demo = ensure_demo(DEMO)
    csv = demo / "requests.csv"
    city = City.open(demo)
    frame = city.load_requests(path=csv, columns="demo").frame
    frame["created"] = frame["created"].dt.tz_convert("UTC")
    results = {"requests": len(frame), "load_average_start": os.getloadavg()[0],
               "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        print("sqlite ...", file=sys.stderr)
        results["sqlite"] = run(f"sqlite:///{tmp}/bench.sqlite", csv, city, frame,
                                args.queries)
    if args.pg:
        print("postgresql ...", file=sys.stderr)
        url, drop = fresh_pg(args.pg)
        try:
            results["postgresql"] = run(url, csv, city, frame, args.queries)
        finally:
            drop()
    else:
        results["postgresql"] = "skipped: no --pg or $GEO311_TEST_PG"
    results["load_average_end"] = os.getloadavg()[0]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
