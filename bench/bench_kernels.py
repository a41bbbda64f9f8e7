"""Benchmark: three kernels whose speed the unit tests used to assert, measured here instead.

- clean matching: ``Matcher.match`` on every demo address point as written (parsed
  beforehand, not timed), matches/s (the unit test asked for >= 30,000/s);
- emerging hot spots: ``emerging_hotspots`` on a 100 x 100 grid (distance band 1.5
  cells) by 24 steps of Poisson counts, seconds (the test asked for < 2 s);
- the address reference: cold build into an empty cache, then the warm load from it,
  seconds (the test asked for a warm load <= 1 s).

Each is run ``--repeat`` times and the best run is reported; every run is in the JSON.

Usage: ``python bench/bench_kernels.py [--repeat R] [--out bench/results/bench_kernels.json]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from common import DEMO, REPO, ensure_demo

from geo311.address.match import Matcher
from geo311.address.parse import parse
from geo311.address.reference import AddressReference
from geo311.hotspots.emerging import emerging_hotspots
from geo311.hotspots.weights import distance_band
from geo311.profile import load_profile


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--demo", type=Path, default=DEMO)
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/bench_kernels.json")
    args = parser.parse_args()
    profile = load_profile(ensure_demo(args.demo))

    with tempfile.TemporaryDirectory() as cache:
        builds, loads = [], []
        for i in range(args.repeat):
            print(f"reference build and warm load ({i + 1}/{args.repeat}) ...", file=sys.stderr)
            folder = Path(cache) / str(i)
            def load(folder: Path = folder) -> AddressReference:
                return AddressReference.from_profile(profile, cache_dir=folder)

            builds.append(timed(load))  # the cache is empty: a build
            loads.append(timed(load))  # then filled: a warm load
        reference = AddressReference.from_profile(profile, cache_dir=folder)

    matcher = Matcher(reference)
    points = pd.read_csv(args.demo / "address_points.csv", dtype=str, keep_default_na=False)
    parsed = [parse(a) for a in points["Address"]]
    rates = []
    for i in range(args.repeat):
        print(f"clean matching x{len(parsed):,} ({i + 1}/{args.repeat}) ...", file=sys.stderr)
        rates.append(round(len(parsed) / timed(lambda: [matcher.match(p) for p in parsed])))

    y, x = np.divmod(np.arange(100 * 100), 100)
    weights = distance_band(x.astype(float), y.astype(float), 1.5)
    counts = np.random.default_rng(6).poisson(3.0, (10_000, 24))
    emerging_hotspots(counts[:100, :5], weights[:100, :100])  # warm up
    emerging = []
    for i in range(args.repeat):
        print(f"emerging hot spots 10,000 x 24 ({i + 1}/{args.repeat}) ...", file=sys.stderr)
        emerging.append(timed(lambda: emerging_hotspots(counts, weights)))

    result = {
        "benchmark": "kernels",
        "repeat": args.repeat,
        "clean_match_per_s": max(rates),
        "emerging_10000x24_s": round(min(emerging), 3),
        "reference_build_s": round(min(builds), 3),
        "reference_warm_load_s": round(min(loads), 3),
        "runs": {"clean_match_per_s": rates, "emerging_s": [round(v, 3) for v in emerging],
                 "reference_build_s": [round(v, 3) for v in builds],
                 "reference_warm_load_s": [round(v, 3) for v in loads]},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"clean matching {result['clean_match_per_s']:,}/s; emerging 10,000 x 24 "
          f"{result['emerging_10000x24_s']} s; reference build {result['reference_build_s']} s, "
          f"warm load {result['reference_warm_load_s']} s")
    print(f"JSON: {args.out}")


if __name__ == "__main__":
    main()
