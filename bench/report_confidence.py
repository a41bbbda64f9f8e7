"""Report: is ``Validator.validate``'s ``confidence`` calibrated on real data?

For each dataset every input is validated and the answer's *top candidate* is
judged against a truth that does not come from the validator. The top candidate
is what ``confidence`` describes: the answer's ``address``/``lon``/``lat``, or,
when the answer gives none (ambiguous, street only, needs review), its first
suggestion. An input with neither is wrong.

- ``la_perturbed``: the 1,000 verified 2017 MyLA311 addresses of
  ``tests/address/test_typos_la.py`` (same sample, same seeds, its ``perturb``),
  against a reference of every verified address. Right: the top candidate's
  address is the original address (a unit the caller added may follow), both
  spelled as the reference spells streets (``street_key``: "ST ANDREWS ROAD" is
  "SAINT ANDREWS RD"; the raw 311 spelling would count those as wrong).
- ``la_perturbed_all``: the same, one perturbation of *every* distinct verified
  address (about 6,100), for tighter band estimates.
- ``la_held_out``: the requests of Dec 30-31 against a reference of the verified
  addresses of Dec 27-29 (as ``tests/address/test_validate_la.py``). Right: the
  top candidate's point is within 50 m of the city's own coordinates of the
  request (``Latitude``/``Longitude``, an independent geocode): the crew is sent
  to the right place.
- ``demo``: every request of the demo region (``requests.csv``, as callers typed
  them) against ``requests_truth.csv``. Right: the top candidate's address is the
  true address (a unit the truth lacks may follow).

Per confidence band: inputs, share answered (``address`` given), mean confidence,
share right, the gap (share right - mean confidence; negative = overconfident) and
a verdict (off by more than 0.05 and 2 standard errors; bands under 20 inputs are
not judged). ECE (expected calibration error) = sum over bands of (inputs in band
/ inputs) x |share right - mean confidence|, with the bands below; 0 is perfect.
Also per match type: mean confidence vs share right, the basis for the priors of
``geo311.address.validate._TYPE_CONFIDENCE``; and ties: a runner-up for another
address within :data:`geo311.address.validate.TIE` of the best score, found here from
the suggestions (the validator calls them ambiguous, at 0.5 at most).

Usage: ``python bench/report_confidence.py [--demo DIR] [--out FILE]``
(default ``bench/results/confidence.json``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from geo311.address.validate import Validator
from geo311.profile import load_profile

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for testsupport, shared with the tests
from testsupport.confidence import (  # noqa: E402
    BANDS,
    LA_311,
    NEAR_M,
    SHARED,
    band_table,
    by_match_type,
    demo_requests,
    expected_calibration_error,
    la_datasets,
    measure_demo,
)

# ------------------------------------------------------------------ the report

def summarize(frame: pd.DataFrame) -> dict:
    """Bands, ECE, per match type, ties and per kind of input of one dataset."""
    result = {"inputs": len(frame), "share_right": float(frame.right.mean()),
              "ece": expected_calibration_error(frame), "bands": band_table(frame),
              "by_match_type": by_match_type(frame),
              "ties": {"n": int(frame.tied.sum()),
                       "mean_confidence": float(frame.confidence[frame.tied].mean()),
                       "share_right": float(frame.right[frame.tied].mean()),
                       "share_ambiguous": float((frame.status[frame.tied] == "ambiguous").mean())}}
    if "kind" in frame:
        kinds = frame.groupby("kind").agg(n=("right", "size"),
                                          mean_confidence=("confidence", "mean"),
                                          share_right=("right", "mean"))
        result["by_kind"] = kinds.reset_index().to_dict("records")
    return result


def print_bands(bands: list[dict]) -> None:
    print(f"  {'band':13s} {'n':>6s} {'share':>6s} {'answered':>8s} {'mean conf':>9s} "
          f"{'right':>6s} {'share right':>11s} {'gap':>7s}  reliability")
    for r in bands:
        if not r["n"]:
            print(f"  {r['band']:13s} {0:6d}")
            continue
        print(f"  {r['band']:13s} {r['n']:6d} {r['share_of_inputs']:6.1%} {r['answered']:8.1%} "
              f"{r['mean_confidence']:9.3f} {r['right']:6d} {r['share_right']:11.1%} "
              f"{r['gap']:+7.3f}  {r['verdict']}")


def print_summary(name: str, s: dict) -> None:
    print(f"\n{name}: {s['inputs']:,} inputs, {s['share_right']:.1%} right, "
          f"ECE {s['ece']:.3f}")
    print_bands(s["bands"])
    print(f"  {'match type':24s} {'status':12s} {'n':>6s} {'mean conf':>9s} {'share right':>11s}")
    for r in s["by_match_type"]:
        print(f"  {r['match_type']:24s} {r['status']:12s} {r['n']:6d} "
              f"{r['mean_confidence']:9.3f} {r['share_right']:11.1%}")
    ties = s["ties"]
    if ties["n"]:
        print(f"  ties (a runner-up for another address with the same score): {ties['n']}, "
              f"mean confidence {ties['mean_confidence']:.3f}, right {ties['share_right']:.1%}, "
              f"ambiguous {ties['share_ambiguous']:.1%}")


def _json_ready(value):
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else round(float(value), 4)
    if isinstance(value, np.integer):
        return int(value)
    return value


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path, default=REPO / "data/boundaries/demo",
                        help="demo region (generated there with seed 311 when missing)")
    parser.add_argument("--work", type=Path, default=REPO / "out/confidence",
                        help="where the LA reference profiles are written")
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/confidence.json")
    args = parser.parse_args(argv)

    datasets: dict[str, pd.DataFrame] = {}
    shared_data = SHARED / "data"
    if (shared_data / LA_311).exists():
        datasets.update(la_datasets(shared_data, args.work))
    else:
        print(f"LA data missing ({shared_data / LA_311}): LA skipped", file=sys.stderr)
    if not (args.demo / "profile.toml").exists():
        from geo311.demo import generate_demo

        print(f"generating the demo region into {args.demo} ...", file=sys.stderr)
        generate_demo(args.demo)
    datasets["demo"] = measure_demo(Validator(load_profile(args.demo)),
                                    demo_requests(args.demo))

    summaries = {name: summarize(frame) for name, frame in datasets.items()}
    for name, s in summaries.items():
        print_summary(name, s)
    result = {"bands": list(BANDS), "near_m": NEAR_M, "datasets": summaries}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(_json_ready(result), indent=2) + "\n")
    print(f"\nwrote {args.out}", file=sys.stderr)
    return result


if __name__ == "__main__":
    main()
