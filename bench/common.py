"""What the benchmarks share: the demo region, request-like points, repeat timing."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "data/boundaries/demo"


def ensure_demo(path: Path = DEMO) -> Path:
    """Return ``path`` holding the demo region, generating it (seed 311) when missing."""
    if not (path / "profile.toml").exists():
        from geo311.demo import generate_demo

        print(f"generating the demo region into {path} ...", file=sys.stderr)
        generate_demo(path)
    return path


def request_like_points(lons, lats, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Resample real request coordinates with ~300 m of Gaussian jitter."""
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(lons), n)
    return (np.asarray(lons)[pick] + rng.normal(0, 0.003, n),
            np.asarray(lats)[pick] + rng.normal(0, 0.003, n))


def median_time(fn, repeat: int) -> float:
    """Median wall time of ``repeat`` calls of ``fn``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))
