"""Measurement: how well the duplicate rule flags repeat reports on the demo history.

Replays the demo's requests in time order through the intake's duplicate rule (each
service's radius and window from the catalog, an in-memory index of the requests open at
each moment) and compares the flags with the generator's truth (``problem_id`` in
``requests_truth.csv``): recall is the share of true repeats flagged, precision the share
of flagged requests whose flagged candidates include an earlier report of their problem.
Requests intake would refuse (outside the city, an address that does not validate) are
not filed and not counted. ``--sweep`` also replays with every radius and window of a
grid, for every service at once, and writes the figures per service (what the demo
catalog's rules were chosen from).

Usage: ``python bench/bench_duplicates.py [--demo DIR] [--sweep]
[--out bench/results/bench_duplicates.json]``
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd
from common import DEMO, REPO, ensure_demo

from geo311.city import City
from geo311.service.definitions import DuplicateRule, load_definitions
from geo311.service.duplicates import intake_history, measure_duplicates, replay_flags

RADII = (25.0, 50.0, 75.0, 100.0)
WINDOWS = (3.0, 7.0, 14.0, 30.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--demo", type=Path, default=DEMO)
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/bench_duplicates.json")
    args = parser.parse_args()
    demo = ensure_demo(args.demo)
    city = City.open(demo)
    definitions = load_definitions(city.profile)
    requests = pd.read_csv(demo / "requests.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(demo / "requests_truth.csv", dtype=str, keep_default_na=False)
    requests["problem_id"] = truth["problem_id"]
    start = time.perf_counter()
    history = intake_history(city, requests)
    located_s = time.perf_counter() - start
    crs = city.profile.metric_crs
    start = time.perf_counter()
    flags = replay_flags(history, crs, definitions.duplicate_rule)
    replay_s = time.perf_counter() - start
    result = {"demo": str(demo), "requests": len(requests), "locate_s": round(located_s, 2),
              "replay_s": round(replay_s, 2),
              "rules": {code: vars(definitions.duplicate_rule(code))
                        for code in definitions.codes},
              "catalog_rules": measure_duplicates(history, flags)}
    if args.sweep:
        grid = []
        for radius in RADII:
            for days in WINDOWS:
                rule = DuplicateRule(radius, days)
                figures = measure_duplicates(history, replay_flags(history, crs,
                                                                   lambda _, r=rule: r))
                grid.append({"radius_m": radius, "days": days, **figures})
                overall = figures["overall"]
                print(f"{radius:5.0f} m {days:4.0f} d: recall {overall['recall']:.3f} "
                      f"precision {overall['precision']:.3f}")
        result["sweep"] = grid
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    overall = result["catalog_rules"]["overall"]
    print(f"replay {replay_s:.1f} s; recall {overall['recall']}, precision "
          f"{overall['precision']} ({overall['true_repeats']} true repeats, "
          f"{overall['flagged']} flagged); JSON: {args.out}")


if __name__ == "__main__":
    main()
