"""Measurement: how well the duplicate rule flags repeat reports on the demo history.

Replays the demo's requests in time order through the intake's duplicate rule (each
service's radius and window from the catalog, an in-memory index of the requests open at
each moment) and compares the flags with the generator's truth (``problem_id`` in
``requests_truth.csv``): recall is the share of true repeats flagged, precision the share
of flagged requests whose flagged candidates include an earlier report of their problem.
Requests intake would refuse (outside the city, an address that does not validate) are
not filed and not counted. Figures are given for the whole history, the first year and
the second year, for the catalog's rules and for the default rule (50 m, 14 days).

``--sweep`` also replays with every radius and window of a grid and picks, per service,
the rule with the best F1 on the **first year** (what the demo catalog's rules were chosen
from); the second year is the held-out check.

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
from geo311.service.definitions import DEFAULT_RULE, DuplicateRule, load_definitions
from geo311.service.duplicates import intake_history, measure_duplicates, replay_flags

RADII = (25.0, 50.0, 75.0, 100.0, 150.0)
WINDOWS = (1.0, 3.0, 7.0, 14.0, 30.0)
SPLIT = "2025-01-01T00:00:00-08:00"


def _f1(figures: dict) -> float:
    p, r = figures["precision"], figures["recall"]
    return 0.0 if not p or not r else 2 * p * r / (p + r)


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
    second = (history["requested"] >= pd.Timestamp(SPLIT)).to_numpy()
    crs = city.profile.metric_crs

    def measured(rule_of) -> dict:
        flags = replay_flags(history, crs, rule_of)
        return {"all": measure_duplicates(history, flags),
                "first_year": measure_duplicates(history, flags, ~second),
                "second_year": measure_duplicates(history, flags, second)}

    start = time.perf_counter()
    catalog = measured(definitions.duplicate_rule)
    replay_s = time.perf_counter() - start
    result = {"demo": str(demo), "requests": len(requests), "locate_s": round(located_s, 2),
              "replay_s": round(replay_s, 2), "split": SPLIT,
              "rules": {code: vars(definitions.duplicate_rule(code))
                        for code in definitions.codes},
              "catalog_rules": catalog,
              "default_rule": measured(lambda _: DEFAULT_RULE)}
    if args.sweep:
        grid = []
        for radius in RADII:
            for days in WINDOWS:
                rule = DuplicateRule(radius, days)
                figures = measured(lambda _, r=rule: r)
                grid.append({"radius_m": radius, "days": days, **figures})
                overall = figures["first_year"]["overall"]
                print(f"{radius:5.0f} m {days:4.0f} d: first year recall {overall['recall']:.3f}"
                      f" precision {overall['precision']:.3f}", flush=True)
        best = {}
        for code in definitions.codes:
            top = max(grid, key=lambda g, c=code: _f1(g["first_year"]["by_service"][c]))
            best[code] = {"radius_m": top["radius_m"], "days": top["days"],
                          "first_year_f1": round(_f1(top["first_year"]["by_service"][code]), 4)}
        result["sweep"] = grid
        result["best_on_first_year"] = best
        print(json.dumps(best, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for name in ("catalog_rules", "default_rule"):
        held = result[name]["second_year"]["overall"]
        print(f"{name}: second year recall {held['recall']}, precision {held['precision']} "
              f"({held['true_repeats']} true repeats, {held['flagged']} flagged)")
    print(f"replay {replay_s:.1f} s; JSON: {args.out}")


if __name__ == "__main__":
    main()
