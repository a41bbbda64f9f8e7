"""Timings that used to be asserted in unit tests, measured here instead.

- address matching of clean demo address points (matches/s, best of 3);
- the address reference of the demo: cold build and warm load from its cache;
- ``emerging_hotspots`` on 10,000 cells by 24 steps.

Usage: ``python bench/bench_units.py`` (generates the demo region when missing);
JSON goes to ``bench/results/bench_units.json``.
"""

from __future__ import annotations

import json
import shutil
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


def clean_matching(profile, cache: Path) -> dict:
    """Matches per second of the demo's own address points, parsed beforehand."""
    matcher = Matcher(AddressReference.from_profile(profile, cache_dir=cache))
    points = pd.read_csv(profile.root / "address_points.csv", dtype=str, keep_default_na=False)
    parsed = [parse(a) for a in points["Address"]]
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        for p in parsed:
            matcher.match(p)
        best = max(best, len(parsed) / (time.perf_counter() - start))
    return {"addresses": len(parsed), "matches_per_s": round(best)}


def reference_build(profile, cache: Path) -> dict:
    """Seconds to build the address reference, then to load it from the cache."""
    shutil.rmtree(cache, ignore_errors=True)
    start = time.perf_counter()
    AddressReference.from_profile(profile, cache_dir=cache)
    build = time.perf_counter() - start
    start = time.perf_counter()
    warm = AddressReference.from_profile(profile, cache_dir=cache)
    load = time.perf_counter() - start
    assert warm.cache_hit
    return {"build_s": round(build, 3), "warm_load_s": round(load, 3)}


def emerging(cells_side: int = 100, steps: int = 24) -> dict:
    """Seconds of ``emerging_hotspots`` on a square grid of cells by ``steps`` time steps."""
    i = np.arange(cells_side * cells_side)
    x, y = (i % cells_side).astype(float), (i // cells_side).astype(float)
    w = distance_band(x, y, 1.5)
    counts = np.random.default_rng(6).poisson(3.0, (len(i), steps))
    emerging_hotspots(counts[:100, :5], w[:100, :100])  # warm up
    start = time.perf_counter()
    emerging_hotspots(counts, w)
    return {"cells": len(i), "steps": steps, "seconds": round(time.perf_counter() - start, 3)}


def main() -> None:
    profile = load_profile(ensure_demo(DEMO))
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        results = {"reference": reference_build(profile, cache),
                   "clean_matching": clean_matching(profile, cache),
                   "emerging_hotspots": emerging()}
    print(json.dumps(results, indent=2))
    out = REPO / "bench/results/bench_units.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
