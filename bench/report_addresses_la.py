"""Report: do address answers hold on real Los Angeles requests? (issue 12, sections 1-2)

The 2017 MyLA311 file is split by day, leave one day out: each day's requests (their
``Address`` text, with its ZIP, as the city wrote it) are validated against a reference of
the verified addresses of the *other* days. The truth is the city's own: the request's
council district (``CD``) and coordinates (``Latitude``/``Longitude``), which the validator
never sees for the day validated.

Measured:

- the council-district agreement of the ``valid``/``corrected`` answers (floor 99.5 %), and
  every wrong-district answer with its reasons;
- of the inputs whose street (the row's own ``Direction``/``StreetName``/``Suffix``) is in
  the day's reference: the share that get a location (floor 80 %);
- per match type and status: answers, median and p90 error in metres, district agreement,
  mean confidence against the share within 50 m (the calibration table);
- the district agreement where ``district_certain`` (floor 97 %);
- intersections ("X AT Y"): how many are answered (also of those whose two streets have at
  least two points each in the day's reference), their error and how often it is within
  the answer's ``precision_m``.

Usage: ``python bench/report_addresses_la.py [--out DIR]`` (default ``out/addresses_la``):
writes ``report.json`` and ``report.md`` there.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from geo311.address.parse import parse
from geo311.address.reference import street_key
from geo311.address.validate import Validator
from geo311.jurisdiction import Locator
from geo311.profile import load_profile

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for testsupport, shared with the tests
from testsupport.confidence import (  # noqa: E402
    LA_311,
    NEAR_M,
    SHARED,
    distance_m,
    read_la,
    verified,
    write_la_address_profile,
)

CONFIDENT = ("valid", "corrected")


def _key(row: pd.Series) -> tuple | None:
    return street_key(row.Direction, row.StreetName, row.Suffix, "")


def _points_of(street, counts: dict[tuple, int]) -> int:
    """The reference points of a parsed street: of its name and suffix, and of its
    directional when one was given."""
    return sum(n for (predir, name, suffix, _), n in counts.items()
               if name == street.name and (street.suffix is None or suffix == street.suffix)
               and (street.predir is None or predir == street.predir))


def _both_have_points(text: str, counts: dict[tuple, int]) -> bool:
    """Whether both streets of an intersection have at least two points in the reference."""
    parsed = parse(text)
    streets = (parsed.street, parsed.cross_street)
    return all(s is not None and _points_of(s, counts) >= 2 for s in streets)


def run_day(validator: Validator, reference: pd.DataFrame, day_rows: pd.DataFrame) -> pd.DataFrame:
    """Validate one day's requests; one row per request with the answer and the truth."""
    known = {_key(r) for r in reference.itertuples()}
    counts: dict[tuple, int] = {}
    for row in reference.itertuples():
        key = _key(row)
        if key is not None:
            counts[key] = counts.get(key, 0) + 1
    answers = validator.validate_many(day_rows.Address.tolist())
    rows = []
    for answer, truth in zip(answers, day_rows.itertuples(), strict=True):
        districts = (answer["location"] or {}).get("districts") or {}
        ours = (districts.get("council_district") or {}).get("id")
        first = (answer["suggestions"] or [{}])[0]
        rows.append({
            "day": truth.day, "input": truth.Address, "status": answer["status"],
            "match_type": answer["match_type"], "confidence": answer["confidence"],
            "address": answer["address"], "lon": answer["lon"], "lat": answer["lat"],
            "precision_m": answer.get("precision_m"),
            "district_certain": answer.get("district_certain"),
            "reason": first.get("reason"), "cd": ours, "truth_cd": truth.CD,
            "truth_lon": float(truth.Longitude) if truth.Longitude else math.nan,
            "truth_lat": float(truth.Latitude) if truth.Latitude else math.nan,
            "street_known": bool(truth.HouseNumber) and _key(truth) in known,
            "intersection": " AT " in truth.Address and not truth.HouseNumber,
            "both_have_points": (" AT " in truth.Address and not truth.HouseNumber
                                 and _both_have_points(truth.Address, counts)),
        })  # fmt: skip
    frame = pd.DataFrame(rows)
    frame["lon"] = frame.lon.astype(float)
    frame["lat"] = frame.lat.astype(float)
    frame["error_m"] = distance_m(frame.lon.to_numpy(), frame.lat.to_numpy(),
                                  frame.truth_lon.to_numpy(), frame.truth_lat.to_numpy())
    frame["located"] = frame.lon.notna()
    frame["cd_right"] = [isinstance(c, str) and t != "" and int(c) == int(t)
                         for c, t in zip(frame.cd, frame.truth_cd, strict=True)]
    return frame


def measure(shared_data: Path, work: Path) -> pd.DataFrame:
    """Every day against the others; one frame of all answers."""
    requests = read_la(shared_data)
    points = verified(requests)
    locator = None
    frames = []
    for day in sorted(requests.day.unique()):
        root = work / f"without_{day}"
        root.mkdir(parents=True, exist_ok=True)
        reference = points[points.day != day]
        profile = load_profile(write_la_address_profile(shared_data, root, reference))
        locator = locator or Locator.from_profile(profile)
        validator = Validator(profile, locator=locator)
        day_rows = requests[(requests.day == day) & (requests.Address != "")]
        start = time.perf_counter()
        frames.append(run_day(validator, reference, day_rows))
        print(f"day {day}: {len(day_rows):,} requests, reference {len(reference):,} points, "
              f"{time.perf_counter() - start:.1f} s", file=sys.stderr)
    return pd.concat(frames, ignore_index=True)


def _share(mask: pd.Series) -> float | None:
    return float(mask.mean()) if len(mask) else None


def summarize(frame: pd.DataFrame) -> dict:
    """The figures of the module docstring."""
    confident = frame[frame.status.isin(CONFIDENT) & frame.located & (frame.truth_cd != "")]
    wrong = confident[~confident.cd_right]
    known = frame[frame.street_known]
    certain = frame[frame.located & (frame.district_certain == True) & (frame.truth_cd != "")]  # noqa: E712
    with_truth = frame[frame.located & frame.error_m.notna()]
    table = with_truth.groupby(["match_type", "status"]).agg(
        n=("error_m", "size"), median_error_m=("error_m", "median"),
        p90_error_m=("error_m", lambda e: float(np.percentile(e, 90))),
        cd_agreement=("cd_right", "mean"), mean_confidence=("confidence", "mean"),
        share_within_50m=("error_m", lambda e: float((e <= NEAR_M).mean())),
        mean_precision_m=("precision_m", lambda p: float(pd.to_numeric(p).mean())),
    ).reset_index().sort_values("n", ascending=False)
    crossings = frame[frame.intersection]
    answered = crossings[crossings.located]
    answerable = crossings[crossings.both_have_points]
    return {
        "inputs": len(frame),
        "by_status": frame.status.value_counts().to_dict(),
        "confident": {"n": len(confident), "cd_agreement": _share(confident.cd_right),
                      "wrong": len(wrong), "floor": 0.995},
        "street_known": {"n": len(known), "located": _share(known.located), "floor": 0.80},
        "district_certain": {"n": len(certain), "cd_agreement": _share(certain.cd_right),
                             "floor": 0.97},
        "street_level_median_error_m": _median(with_truth[with_truth.match_type.isin(
            ["street_only", "street_interpolated"])
            & ~with_truth.status.isin(CONFIDENT)].error_m),
        "calibration": table.to_dict("records"),
        "intersections": {"n": len(crossings), "answered": len(answered),
                          "both_streets_have_points": len(answerable),
                          "answered_of_those": int(answerable.located.sum()),
                          "median_error_m": _median(answered.error_m),
                          "p90_error_m": _quantile(answered.error_m, 0.9),
                          "within_precision": _share(answered.error_m
                                                     <= answered.precision_m.astype(float)),
                          "cd_agreement": _share(answered.cd_right)},
        "wrong_district": wrong[["day", "input", "status", "match_type", "confidence",
                                 "address", "reason", "cd", "truth_cd", "error_m"]]
        .to_dict("records"),
    }


def _quantile(values: pd.Series, q: float) -> float | None:
    values = values.dropna()
    return float(values.quantile(q)) if len(values) else None


def _median(values: pd.Series) -> float | None:
    values = values.dropna()
    return float(values.median()) if len(values) else None


def markdown(s: dict) -> str:
    """The summary as a short markdown report."""
    c, k, d, x = s["confident"], s["street_known"], s["district_certain"], s["intersections"]
    lines = [
        "# Address answers on LA 2017 requests (leave one day out)", "",
        f"- inputs: {s['inputs']:,}; by status: "
        + ", ".join(f"{k_} {v:,}" for k_, v in s["by_status"].items()),
        f"- valid/corrected: {c['n']:,}, council-district agreement "
        f"{_pct(c['cd_agreement'])} (floor 99.5 %), wrong district: {c['wrong']}",
        f"- street in the reference: {k['n']:,}, located {_pct(k['located'])} (floor 80 %)",
        f"- district_certain: {d['n']:,}, agreement {_pct(d['cd_agreement'])} (floor 97 %)",
        f"- street-level answers: median error {_m(s['street_level_median_error_m'])}",
        f"- intersections: {x['n']:,}, answered {x['answered']:,} (both streets with two "
        f"or more points: {x['both_streets_have_points']:,}, of which answered "
        f"{x['answered_of_those']:,}), median error {_m(x['median_error_m'])}, p90 "
        f"{_m(x['p90_error_m'])}, within precision_m {_pct(x['within_precision'])}, "
        f"district agreement {_pct(x['cd_agreement'])}", "",
        "## Calibration per match type", "",
        "| match type | status | n | median error | p90 | CD agreement | mean confidence "
        "| within 50 m | mean precision |", "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in s["calibration"]:
        lines.append(f"| {r['match_type']} | {r['status']} | {r['n']:,} | "
                     f"{_m(r['median_error_m'])} | {_m(r['p90_error_m'])} | "
                     f"{_pct(r['cd_agreement'])} | {r['mean_confidence']:.3f} | "
                     f"{_pct(r['share_within_50m'])} | {_m(r['mean_precision_m'])} |")
    lines += ["", "## Wrong-district valid/corrected answers", "",
              "| day | input | status | match type | confidence | answer | reason | CD | truth "
              "| error |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in s["wrong_district"]:
        lines.append(f"| {r['day']} | {r['input']} | {r['status']} | {r['match_type']} | "
                     f"{r['confidence']} | {r['address']} | {r['reason']} | {r['cd']} | "
                     f"{r['truth_cd']} | {_m(r['error_m'])} |")
    return "\n".join(lines) + "\n"


def _pct(value: float | None) -> str:
    return "-" if value is None or value != value else f"{value:.2%}"


def _m(value: float | None) -> str:
    return "-" if value is None or value != value else f"{value:,.0f} m"


def _json_ready(value):
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else round(float(value), 4)
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    return value


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "out/addresses_la")
    args = parser.parse_args(argv)
    shared_data = SHARED / "data"
    if not (shared_data / LA_311).exists():
        sys.exit(f"LA data missing: {shared_data / LA_311}")
    frame = measure(shared_data, args.out / "profiles")
    summary = _json_ready(summarize(frame))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(summary, indent=2) + "\n")
    (args.out / "report.md").write_text(markdown(summary))
    frame.to_csv(args.out / "answers.csv", index=False)
    print(markdown(summary))
    print(f"wrote {args.out}/report.json, report.md, answers.csv", file=sys.stderr)
    return summary


if __name__ == "__main__":
    main()
