"""Report: a reference that learns, replayed on real Los Angeles requests (issue 12, section 4).

The 2017 MyLA311 file is replayed day by day. The reference starts as the verified addresses
of the first day (Dec 27). On each later day:

1. the day's requests (their ``Address`` text, as the city wrote it) are validated against
   the reference as it stands (**learning**) and against the first day's alone (**static**);
2. then the day's verified requests (the city's house number, street and coordinates: what a
   staff member confirms) go through :func:`geo311.address.learned.check_point` (its guards:
   inside the city, no duplicate, no moved reference point, not far from the street's known
   places) and the accepted ones are merged into the learning reference at once, without a
   rebuild (:func:`geo311.address.learned.merge`).

Measured per day, for both references: the match rate (answers ``valid``/``corrected``), the
share answered at an exact reference point, the share located at all, and the council-district
agreement of the ``valid``/``corrected`` answers (the truth: the request's ``CD``). For the
learning: points offered, learned, refused by reason; the merge time against a full rebuild
of the same reference from its source file (no cache).

Usage: ``python bench/report_learning_la.py [--out DIR]`` (default ``out/learning_la``):
writes ``report.json`` and ``report.md`` there.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from geo311.address.learned import LearnedPoint, check_point, merge
from geo311.address.reference import AddressReference
from geo311.address.validate import Validator
from geo311.profile import load_profile

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for testsupport, shared with the tests
from testsupport.confidence import (  # noqa: E402
    LA_311,
    LA_POINT_COLUMNS,
    SHARED,
    canonical_line,
    read_la,
    verified,
    write_la_address_profile,
)

CONFIDENT = ("valid", "corrected")
_REASONS = ("already in the reference", "needs review", "wrong click", "outside the city",
            "is not_found", "is ambiguous", "is needs_review", "no house number",
            "intersection")


def measure(validator: Validator, rows: pd.DataFrame) -> dict:
    """The day's answers against the truth: match rate, exact, located, CD agreement."""
    answers = validator.validate_many(rows.Address.tolist())
    status = pd.Series([a["status"] for a in answers])
    exact = pd.Series([a["match_type"] == "exact" for a in answers])
    located = pd.Series([a["lon"] is not None for a in answers])
    ours = pd.Series([(((a["location"] or {}).get("districts") or {}).get("council_district")
                       or {}).get("id") for a in answers], dtype=object)
    truth = rows.CD.reset_index(drop=True)
    placed = located & (truth != "") & ours.notna()
    right = pd.Series([bool(placed[i]) and int(ours[i]) == int(truth[i])
                       for i in range(len(rows))])
    judged = placed & status.isin(CONFIDENT)
    return {"inputs": len(rows), "match_rate": float(status.isin(CONFIDENT).mean()),
            "exact": float(exact.mean()), "located": float(located.mean()),
            "confident_with_truth": int(judged.sum()),
            "cd_agreement": float(right[judged].mean()) if judged.any() else None,
            "wrong_district": int((judged & ~right).sum()),
            "located_with_truth": int(placed.sum()),
            "cd_agreement_located": float(right[placed].mean()) if placed.any() else None,
            "by_status": status.value_counts().to_dict()}


def reason_kind(reason: str) -> str:
    """A refusal's kind, without its numbers."""
    return next((kind for kind in _REASONS if kind in reason), reason)


def learn_day(validator: Validator, rows: pd.DataFrame) -> tuple[list[LearnedPoint], dict]:
    """Check the day's verified requests; the points to learn and the refusals by kind."""
    learned, refused = [], {}
    for row in rows.itertuples():
        verdict = check_point(validator, canonical_line(row), float(row.Longitude),
                              float(row.Latitude), zip=row.ZipCode or None)
        if verdict.accepted:
            learned.append(verdict.learned)
        else:
            kind = reason_kind(verdict.reason)
            refused[kind] = refused.get(kind, 0) + 1
    return learned, refused


def rebuild_seconds(shared_data: Path, points: pd.DataFrame) -> float:
    """Seconds to build the reference of ``points`` from its source file, without a cache."""
    with tempfile.TemporaryDirectory() as work:
        profile = load_profile(write_la_address_profile(shared_data, Path(work), points))
        start = time.perf_counter()
        AddressReference.from_profile(profile, cache_dir=Path(work) / "cache")
        return time.perf_counter() - start


def _as_rows(points: list[LearnedPoint], like: pd.DataFrame) -> pd.DataFrame:
    """Learned points as rows of the 311 file (for the rebuild's source file)."""
    return pd.DataFrame([{
        "HouseNumber": f"{p.number}{p.number_suffix}", "Direction": p.predir or "",
        "StreetName": p.name, "Suffix": p.suffix or "", "ZipCode": p.zip,
        "Latitude": repr(p.lat), "Longitude": repr(p.lon)} for p in points],
        columns=LA_POINT_COLUMNS).astype(like[LA_POINT_COLUMNS].dtypes.to_dict())


def replay(shared_data: Path, work: Path) -> dict:
    """The replay of the module docstring."""
    requests = read_la(shared_data)
    points = verified(requests)
    days = sorted(requests.day.unique().tolist())
    seed = points[points.day == days[0]]
    work.mkdir(parents=True, exist_ok=True)
    profile = load_profile(write_la_address_profile(shared_data, work, seed))
    learning = Validator(profile)
    static = Validator(profile, reference=learning.reference, locator=learning.locator)
    source = seed[LA_POINT_COLUMNS]
    out = []
    for day in days[1:]:
        rows = requests[(requests.day == day) & (requests.Address != "")]
        entry = {"day": int(day), "reference_points": int(len(learning.reference.point_number)),
                 "reference_streets": len(learning.reference.streets),
                 "static": measure(static, rows), "learning": measure(learning, rows)}
        offered = points[points.day == day]
        start = time.perf_counter()
        learned, refused = learn_day(learning, offered)
        checked = time.perf_counter() - start
        start = time.perf_counter()
        merged, added = merge(learning.reference, learned)
        merge_s = time.perf_counter() - start
        learning.use_reference(merged)
        source = pd.concat([source, _as_rows(learned, source)], ignore_index=True)
        entry.update(offered=len(offered), accepted=len(learned), added=added, refused=refused,
                     check_seconds=round(checked, 3), merge_seconds=round(merge_s, 4),
                     rebuild_seconds=round(rebuild_seconds(shared_data, source), 3))
        out.append(entry)
        print(f"day {day}: match {entry['static']['match_rate']:.1%} static, "
              f"{entry['learning']['match_rate']:.1%} learning; learned {added} of "
              f"{len(offered)}; merge {merge_s * 1000:.1f} ms, rebuild "
              f"{entry['rebuild_seconds']:.2f} s", file=sys.stderr)
    return {"seed_day": int(days[0]), "seed_points": int(len(seed)), "days": out}


def markdown(report: dict) -> str:
    """The replay as a short markdown report."""
    lines = [
        "# A reference that learns: LA 2017 replayed day by day", "",
        f"Seed: the {report['seed_points']:,} verified addresses of Dec {report['seed_day']}. "
        "Each day is validated before its own verified requests are learned.", "",
        "Each cell: static (Dec 27 only) → learning.", "",
        "| day | inputs | reference points | match rate (valid/corrected) | exact point | located "
        "| CD agreement, valid/corrected | wrong district | CD agreement, all located "
        "| accepted (new) / offered | refused | merge | full rebuild |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for e in report["days"]:
        s, lr = e["static"], e["learning"]
        refused = ", ".join(f"{k} {v}" for k, v in sorted(e["refused"].items(),
                                                          key=lambda kv: -kv[1]))
        lines.append(
            f"| Dec {e['day']} | {s['inputs']:,} | {e['reference_points']:,} | "
            f"{s['match_rate']:.1%} → {lr['match_rate']:.1%} | {s['exact']:.1%} → "
            f"{lr['exact']:.1%} | {s['located']:.1%} → {lr['located']:.1%} | "
            f"{_pct(s['cd_agreement'])} → {_pct(lr['cd_agreement'])} | "
            f"{s['wrong_district']} → {lr['wrong_district']} | "
            f"{_pct(s['cd_agreement_located'])} → {_pct(lr['cd_agreement_located'])} | "
            f"{e['accepted']:,} ({e['added']:,}) / {e['offered']:,} | {refused} | "
            f"{e['merge_seconds'] * 1000:.0f} ms | "
            f"{e['rebuild_seconds']:.2f} s |")
    return "\n".join(lines) + "\n"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "out/learning_la")
    args = parser.parse_args(argv)
    shared_data = SHARED / "data"
    if not (shared_data / LA_311).exists():
        sys.exit(f"LA data missing: {shared_data / LA_311} (set GEO311_SHARED)")
    report = replay(shared_data, args.out / "profile")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    (args.out / "report.md").write_text(markdown(report))
    print(markdown(report))
    print(f"wrote {args.out}/report.json, report.md", file=sys.stderr)
    return report


if __name__ == "__main__":
    main()
