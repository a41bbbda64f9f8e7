"""Benchmark: batch district assignment and single-point latency of the locate engine.

For each profile (the demo region and Los Angeles from ../shared) it places
1,000,000 points the way requests fall (real request coordinates resampled
with ~300 m jitter) and measures, in the same run:

- ``Locator.locate_many`` points/s, without and with the near-boundary flag;
- the baseline: ``geopandas.sjoin(predicate="within")`` of the same points
  against the same layers (city, neighbors, every district layer);
- single ``Locator.locate`` latency p50/p99 over 5,000 points;
- the locator's build time, the traced peak memory of one 1M-point batch and the
  process's max RSS after building and running it (before the baseline runs).

Usage: ``python bench/bench_locate.py [--points N] [--out bench/results/bench_locate.json]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from common import DEMO, REPO, ensure_demo, median_time, request_like_points

from geo311.jurisdiction import Locator
from geo311.profile import load_profile

SHARED = Path(os.environ.get("GEO311_SHARED", REPO.parent / "shared"))


def sjoin_all(locator: Locator, x: np.ndarray, y: np.ndarray) -> None:
    """The baseline: one geopandas.sjoin(within) per layer, as a user would write it."""
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")
    for layer in locator._layers():
        polygons = gpd.GeoDataFrame({"fid": np.arange(len(layer.geoms))},
                                    geometry=layer.geoms, crs="EPSG:4326")
        gpd.sjoin(points, polygons, predicate="within", how="left")


def bench_profile(name: str, profile_path: Path, lons, lats, n: int) -> dict:
    print(f"[{name}] building the locator ...", file=sys.stderr)
    start = time.perf_counter()
    locator = Locator(load_profile(profile_path))
    build_s = time.perf_counter() - start
    x, y = request_like_points(lons, lats, n)
    locator.locate_many(x[:1000], y[:1000])  # warm up

    print(f"[{name}] locate_many x{n:,} ...", file=sys.stderr)
    plain_s = median_time(lambda: locator.locate_many(x, y, near_boundary=False), 7)
    near_s = median_time(lambda: locator.locate_many(x, y), 5)
    tracemalloc.start()
    locator.locate_many(x, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the baseline
    print(f"[{name}] geopandas.sjoin baseline ...", file=sys.stderr)
    sjoin_s = median_time(lambda: sjoin_all(locator, x, y), 2)

    print(f"[{name}] single-point latency ...", file=sys.stderr)
    latencies = []
    for i in range(5000):
        start = time.perf_counter_ns()
        locator.locate(float(x[i]), float(y[i]))
        latencies.append(time.perf_counter_ns() - start)
    latencies_us = np.array(latencies) / 1000
    return {
        "profile": name,
        "points": n,
        "layers": [layer.key for layer in locator._layers()],
        "grid": {"cells": locator.grid.nx * locator.grid.ny,
                 "cell_m": round(locator.grid.min_cell_m(abs(locator.grid.y0)), 2)},
        "build_s": round(build_s, 3),
        "locate_many_s": round(plain_s, 4),
        "locate_many_pts_per_s": round(n / plain_s),
        "locate_many_with_near_boundary_s": round(near_s, 4),
        "locate_many_with_near_boundary_pts_per_s": round(n / near_s),
        "sjoin_within_s": round(sjoin_s, 3),
        "sjoin_within_pts_per_s": round(n / sjoin_s),
        "speedup_vs_sjoin": round(sjoin_s / plain_s, 1),
        "speedup_vs_sjoin_with_near_boundary": round(sjoin_s / near_s, 1),
        "single_locate_p50_us": round(float(np.percentile(latencies_us, 50)), 1),
        "single_locate_p99_us": round(float(np.percentile(latencies_us, 99)), 1),
        "batch_peak_traced_mb": round(peak / 2**20, 1),
        "process_max_rss_mb_after_build_and_batch": round(rss_mb, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--demo", type=Path, default=DEMO)
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/bench_locate.json")
    args = parser.parse_args()

    results = []
    ensure_demo(args.demo)
    demo = pd.read_csv(args.demo / "requests.csv", usecols=["lon", "lat"]).dropna()
    results.append(bench_profile("demo", args.demo, demo.lon, demo.lat, args.points))
    la_requests = SHARED / "data/los_angeles/311/myla311_2017-12-27_to_2017-12-31_subset.csv"
    if la_requests.exists():
        la = pd.read_csv(la_requests, usecols=["Longitude", "Latitude"]).dropna()
        results.append(bench_profile("los_angeles", REPO / "profiles/la", la.Longitude,
                                     la.Latitude, args.points))
    else:
        print(f"skipping Los Angeles: {la_requests} not found", file=sys.stderr)

    report = {"benchmark": "locate", "python": sys.version.split()[0], "results": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    for r in results:
        print(f"{r['profile']:>12}: {r['locate_many_pts_per_s'] / 1e6:5.1f} M pts/s "
              f"({r['speedup_vs_sjoin']}x sjoin at {r['sjoin_within_pts_per_s'] / 1e3:.0f}k/s); "
              f"with near_boundary {r['locate_many_with_near_boundary_pts_per_s'] / 1e6:.1f} M/s "
              f"({r['speedup_vs_sjoin_with_near_boundary']}x); single p50 "
              f"{r['single_locate_p50_us']} us p99 {r['single_locate_p99_us']} us; "
              f"build {r['build_s']} s; batch peak {r['batch_peak_traced_mb']} MB traced, "
              f"process max RSS {r['process_max_rss_mb_after_build_and_batch']} MB")
    print(f"JSON: {args.out}")


if __name__ == "__main__":
    main()
