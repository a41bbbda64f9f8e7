"""Helpers shared by the tests and the benchmarks (neither imports the other).

The confidence measurements of ``bench/report_confidence.py`` (see its docstring for
what "right" means per dataset), the Los Angeles address-reference profiles they use
and the perturbations of real addresses. Imported as ``testsupport.confidence`` from
``tests/`` (pytest puts the repository on ``sys.path``) and from ``bench/`` (which
adds the repository itself).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from geo311.address.normalize import Street, format_line
from geo311.address.reference import street_key
from geo311.address.validate import TIE, Validator
from geo311.profile import load_profile

REPO = Path(__file__).resolve().parents[1]
LA_POINT_COLUMNS = ["HouseNumber", "Direction", "StreetName", "Suffix", "ZipCode", "Latitude",
                    "Longitude"]
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
    root.mkdir(parents=True, exist_ok=True)
    return Validator(load_profile(write_la_address_profile(shared_data, root, points)))


def perturbed_inputs(addresses: pd.DataFrame, n: int | None = 1000, seed: int = 2017,
                     sample_state: int = 7) -> pd.DataFrame:
    """Perturbed addresses (:func:`perturb`): ``text``, ``truth``, ``kind``.

    ``n=1000`` with the default seeds gives the inputs of ``test_typos_la.py``;
    ``n=None`` perturbs every address once.
    """
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
    """The Los Angeles measurements: perturbed (1,000 and optionally all) and held out.

    ``la_held_out`` (requests of Dec 30-31 against the addresses of Dec 27-29) is the split
    the per-type priors were tuned on; ``la_other_days`` (Dec 27-28 against Dec 29-31)
    was not used for tuning: its calibration is the out-of-sample figure.
    """
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
    late = la_validator(shared_data, work / "la_late", requests[requests.day >= 29])
    out["la_other_days"] = measure_held_out(late, requests[requests.day <= 28])
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


# ------------------------------------------------------------------ Los Angeles profiles

def write_la_address_profile(shared_data: Path, root: Path, points: pd.DataFrame) -> Path:
    """Write a Los Angeles profile whose address reference is ``points`` (311 columns)."""
    points[LA_POINT_COLUMNS].to_csv(root / "points.csv", index=False)
    shipped = (REPO / "profiles/la/profile.toml").read_text()
    profile = shipped[:shipped.index("\n[addresses]")].replace(  # our own reference instead
        "${GEO311_SHARED:-../../../shared}", str(shared_data.parent))
    (root / "profile.toml").write_text(profile + """
[addresses]
points = "points.csv"
number_field = "HouseNumber"
predir_field = "Direction"
street_field = "StreetName"
suffix_field = "Suffix"
zip_field = "ZipCode"
lon_field = "Longitude"
lat_field = "Latitude"
""")
    return root


# ------------------------------------------------------------------ perturbations

ORDINALS = {"1ST": "First", "2ND": "Second", "3RD": "Third", "4TH": "Fourth", "5TH": "Fifth",
            "6TH": "Sixth", "7TH": "Seventh", "8TH": "Eighth", "9TH": "Ninth", "10TH": "Tenth",
            "11TH": "Eleventh", "12TH": "Twelfth"}
OTHER_SUFFIX = {"AVE": "ST", "ST": "AVE", "BLVD": "AVE", "DR": "ST", "PL": "ST", "WAY": "ST"}
OPPOSITE = {"N": "S", "S": "N", "E": "W", "W": "E"}


def perturb(row: pd.Series, kind: str, rng: np.random.Generator) -> str:
    """The address text of ``row`` as a caller might get it wrong in the way ``kind``."""
    number, predir, name, suffix = row.HouseNumber, row.Direction, row.StreetName, row.Suffix
    if kind == "drop_suffix":
        suffix = ""
    elif kind == "change_suffix":
        suffix = OTHER_SUFFIX.get(suffix, "ST")
    elif kind == "drop_directional":
        predir = ""
    elif kind == "swap_directional":
        predir = OPPOSITE.get(predir, predir)
    elif kind == "typo":
        i = int(rng.integers(1, len(name) - 1))
        letter = "abcdefghijklmnopqrstuvwxyz"[int(rng.integers(26))].upper()
        name = name[:i] + letter + name[i + 1:] if rng.random() < 0.5 else name[:i] + name[i + 1:]
    elif kind == "unit":
        suffix = f"{suffix} {['Apt 3', '#12', 'Unit B', 'Ste 200'][int(rng.integers(4))]}"
    elif kind == "ordinal":
        name = ORDINALS[name]
    return " ".join(p for p in (number, predir, name, suffix) if p)
