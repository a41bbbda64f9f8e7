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
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from geo311.address.normalize import Street, format_line
from geo311.address.reference import street_key
from geo311.address.validate import TIE, Validator
from geo311.profile import load_profile

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GEO311_SHARED", REPO.parent / "shared"))
LA_311 = "los_angeles/311/myla311_2017-12-27_to_2017-12-31_subset.csv"
BANDS = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0)
"""Band edges: [0, 0.5), [0.5, 0.7), ... [0.95, 1.0] (the last band includes 1.0)."""
NEAR_M = 50.0
"""A held-out answer is right when its point is this close to the city's coordinates."""
MIN_N = 20
"""Bands with fewer inputs are reported but not judged."""
KINDS = ("drop_suffix", "change_suffix", "drop_directional", "swap_directional", "typo",
         "unit", "ordinal")


ANSWERING = ("exact", "exact_ignoring_unit", "intersection", "centerline_interpolated",
             "point_interpolated", "fuzzy_street")
"""The match types that give an answer (a street-only match is a suggestion already)."""


# ------------------------------------------------------------------ the measures

def band_of(confidence: np.ndarray, edges: tuple[float, ...] = BANDS) -> np.ndarray:
    """Index of the band of each confidence: [e0, e1) -> 0, ..., [e(n-1), en] -> n - 1."""
    return np.clip(np.searchsorted(edges, confidence, side="right") - 1, 0, len(edges) - 2)


def band_table(frame: pd.DataFrame, edges: tuple[float, ...] = BANDS) -> list[dict]:
    """One row per band of ``frame`` (columns ``confidence``, ``right``, ``answered``)."""
    band = band_of(frame.confidence.to_numpy(), edges)
    rows = []
    for i, (low, high) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
        part = frame[band == i]
        n = len(part)
        mean = float(part.confidence.mean()) if n else math.nan
        right = float(part.right.mean()) if n else math.nan
        rows.append({
            "band": f"[{low:g}, {high:g}{']' if i == len(edges) - 2 else ')'}",
            "low": low, "high": high, "n": n, "share_of_inputs": n / len(frame),
            "answered": float(part.answered.mean()) if n else math.nan,
            "mean_confidence": mean, "right": int(part.right.sum()), "share_right": right,
            "gap": right - mean if n else math.nan, "verdict": verdict(n, mean, right),
        })  # fmt: skip
        rows[-1]["statement"] = (f"{rows[-1]['band']}: says {mean:.2f} on average, right "
                                 f"{right:.1%} of {n:,}: {rows[-1]['verdict']}" if n else
                                 f"{rows[-1]['band']}: no input")
    return rows


def verdict(n: int, mean: float, right: float, min_n: int = MIN_N) -> str:
    """The reliability of one band: "calibrated", "underconfident", "overconfident" or
    "too few" (under ``min_n`` inputs). Off means the share right differs from the mean
    confidence by more than 0.05 and by more than 2 binomial standard errors."""
    if n < min_n:
        return "too few"
    margin = max(0.05, 2 * math.sqrt(max(mean * (1 - mean), 0.0) / n))
    if right < mean - margin:
        return "overconfident"
    return "underconfident" if right > mean + margin else "calibrated"


def expected_calibration_error(frame: pd.DataFrame, edges: tuple[float, ...] = BANDS) -> float:
    """ECE: sum over bands of (share of inputs) x |share right - mean confidence|."""
    return float(sum(r["share_of_inputs"] * abs(r["gap"]) for r in band_table(frame, edges)
                     if r["n"]))


def by_match_type(frame: pd.DataFrame) -> list[dict]:
    """Mean confidence vs share right per match type (and status), largest first."""
    groups = frame.groupby(["match_type", "status"])
    table = groups.agg(n=("right", "size"), mean_confidence=("confidence", "mean"),
                       min_confidence=("confidence", "min"), share_right=("right", "mean"))
    table = table.reset_index().sort_values("n", ascending=False)
    return table.to_dict("records")


def judge(answers: list[dict]) -> pd.DataFrame:
    """The top candidate of each answer: address, point, confidence, status, match type, and
    whether a runner-up for another address has (within ``validate.TIE``) the same score."""
    rows = []
    for a in answers:
        top = a if a["address"] is not None else (a["suggestions"] or [None])[0]
        first, second = (a["suggestions"] + [None, None])[:2]
        tied = (second is not None and a["match_type"] in ANSWERING
                and second["address"] != first["address"]
                and first["score"] - second["score"] < TIE)
        rows.append({
            "tied": tied,
            "confidence": a["confidence"], "status": a["status"], "match_type": a["match_type"],
            "answered": a["address"] is not None,
            "top": top["address"] if top else None,
            "lon": top["lon"] if top else None, "lat": top["lat"] if top else None,
        })  # fmt: skip
    frame = pd.DataFrame(rows)
    frame["lon"] = frame.lon.astype(float)
    frame["lat"] = frame.lat.astype(float)
    return frame


def same_address(top: pd.Series, truth: pd.Series) -> np.ndarray:
    """True where ``top`` is ``truth``, or ``truth`` followed by a unit."""
    return np.array([isinstance(t, str) and (t == want or t.startswith(want + " "))
                     for t, want in zip(top, truth, strict=True)])


def distance_m(lon: np.ndarray, lat: np.ndarray, lon0: np.ndarray, lat0: np.ndarray
               ) -> np.ndarray:
    """Equirectangular distance in metres (NaN where a point is missing)."""
    dx = (lon - lon0) * 111_320 * np.cos(np.radians(lat0))
    return np.hypot(dx, (lat - lat0) * 111_320)


# ------------------------------------------------------------------ the datasets

def read_la(shared_data: Path) -> pd.DataFrame:
    """The 2017 MyLA311 requests as text, with the day of the month in ``day``."""
    frame = pd.read_csv(shared_data / LA_311, dtype=str, keep_default_na=False)
    frame["day"] = pd.to_datetime(frame.CreatedDate, format="%m/%d/%Y %I:%M:%S %p").dt.day
    return frame


def verified(frame: pd.DataFrame) -> pd.DataFrame:
    """Requests whose address the city verified (parsed number and coordinates)."""
    return frame[(frame.HouseNumber != "") & (frame.Latitude != "")]


def la_validator(shared_data: Path, root: Path, points: pd.DataFrame) -> Validator:
    """A Los Angeles validator whose address reference is ``points``."""
    from tests.address.conftest import write_la_address_profile

    root.mkdir(parents=True, exist_ok=True)
    return Validator(load_profile(write_la_address_profile(shared_data, root, points)))


def perturbed_inputs(addresses: pd.DataFrame, n: int | None = 1000, seed: int = 2017,
                     sample_state: int = 7) -> pd.DataFrame:
    """Perturbed addresses (``test_typos_la.perturb``): ``text``, ``truth``, ``kind``.

    ``n=1000`` with the default seeds gives the inputs of ``test_typos_la.py``;
    ``n=None`` perturbs every address once.
    """
    from tests.address.test_typos_la import ORDINALS, perturb

    rng = np.random.default_rng(seed)
    rows = addresses.sample(n, random_state=sample_state) if n else addresses
    out = []
    for _, row in rows.iterrows():
        possible = [k for k in KINDS if not (k == "ordinal" and row.StreetName not in ORDINALS)
                    and not (k == "typo" and len(row.StreetName) < 5)
                    and not (k.endswith("directional") and not row.Direction)]
        kind = possible[int(rng.integers(len(possible)))]
        out.append((perturb(row, kind, rng), canonical_line(row), kind))
    return pd.DataFrame(out, columns=["text", "truth", "kind"])


def canonical_line(row: pd.Series) -> str:
    """The delivery line of a 311 row in the reference's spelling ("ROAD" -> "RD", "ST
    ANDREWS" -> "SAINT ANDREWS"): the street normalized as the reference keys it."""
    street = Street(*street_key(row.Direction, row.StreetName, row.Suffix, ""))
    return format_line(row.HouseNumber, street, None)


def measure_perturbed(validator: Validator, inputs: pd.DataFrame) -> pd.DataFrame:
    """Validate perturbed texts; right = the top candidate is the original address."""
    frame = judge([validator.validate(t) for t in inputs.text])
    frame["right"] = same_address(frame.top, inputs.truth)
    frame["kind"] = inputs.kind.to_numpy()
    return frame


def measure_held_out(validator: Validator, held_out: pd.DataFrame,
                     near_m: float = NEAR_M) -> pd.DataFrame:
    """Validate request texts; right = the top candidate within ``near_m`` of the city's point."""
    frame = judge([validator.validate(t) for t in held_out.Address])
    frame["distance_m"] = distance_m(frame.lon.to_numpy(), frame.lat.to_numpy(),
                                     held_out.Longitude.astype(float).to_numpy(),
                                     held_out.Latitude.astype(float).to_numpy())
    frame["right"] = frame.distance_m.to_numpy() <= near_m  # NaN (no point) is wrong
    return frame


def la_datasets(shared_data: Path, work: Path, perturb_all: bool = True
                ) -> dict[str, pd.DataFrame]:
    """The Los Angeles measurements: perturbed (1,000 and optionally all) and held out."""
    requests = verified(read_la(shared_data))
    distinct = requests.drop_duplicates(["HouseNumber", "Direction", "StreetName", "Suffix"])
    distinct = distinct.reset_index(drop=True)
    everything = la_validator(shared_data, work / "la_all", distinct)
    out = {"la_perturbed": measure_perturbed(everything, perturbed_inputs(distinct))}
    if perturb_all:
        out["la_perturbed_all"] = measure_perturbed(
            everything, perturbed_inputs(distinct, n=None, seed=2018))
    early = la_validator(shared_data, work / "la_early", requests[requests.day <= 29])
    out["la_held_out"] = measure_held_out(early, requests[requests.day >= 30])
    return out


def demo_requests(demo: Path) -> pd.DataFrame:
    """The demo requests with their truth (``true_address``, ``perturbation``, ``in_city``)."""
    frame = pd.read_csv(demo / "requests.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(demo / "requests_truth.csv", dtype=str, keep_default_na=False)
    return frame.merge(truth, on="service_request_id", validate="one_to_one")


def measure_demo(validator: Validator, requests: pd.DataFrame) -> pd.DataFrame:
    """Validate demo texts; right = the top candidate is the true address."""
    frame = judge([validator.validate(t) for t in requests.address])
    frame["right"] = same_address(frame.top, requests.true_address)
    frame["kind"] = requests.perturbation.to_numpy()
    return frame


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
    if str(REPO) not in sys.path:  # for tests.address (the LA profile and perturbations)
        sys.path.insert(0, str(REPO))

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
