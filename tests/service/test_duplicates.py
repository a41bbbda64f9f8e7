"""Duplicate ranking, and the demo measurement against a pandas self-join written here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo311.city import City
from geo311.service.definitions import DuplicateRule
from geo311.service.duplicates import (
    OpenRequest,
    intake_history,
    measure_duplicates,
    rank_candidates,
    replay_flags,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
RULE = DuplicateRule(50.0, 14.0)


def test_rank_candidates_nearest_first_within_radius_and_window():
    def req(name: str, hours: float) -> OpenRequest:
        return OpenRequest(name, NOW - timedelta(hours=hours))

    found = [(req("far", 1), 60.0), (req("old", 24 * 20), 5.0), (req("b", 30), 12.5),
             (req("a-newer", 2), 12.5), (req("c", 3), 0.0), (req("future", -1), 1.0),
             (req("edge", 4), 50.0)]
    ranked = rank_candidates(found, now=NOW, radius_m=50.0, since=NOW - timedelta(days=14))
    assert [r["service_request_id"] for r in ranked] == ["c", "a-newer", "b", "edge"]
    assert ranked[0] == {"service_request_id": "c", "distance_m": 0.0, "status": "open",
                         "requested_datetime": (NOW - timedelta(hours=3)).isoformat()}
    assert [r["service_request_id"] for r in rank_candidates(found)] == \
        ["c", "future", "old", "a-newer", "b", "edge", "far"]


def _haversine(lon1, lat1, lon2, lat2) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(
        np.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(a))


@pytest.fixture(scope="module")
def city(demo_dir: Path) -> City:
    return City.open(demo_dir)


@pytest.fixture(scope="module")
def history(demo_dir: Path, city: City) -> pd.DataFrame:
    """The first 4,000 demo requests (about two weeks), located as intake would."""
    requests = pd.read_csv(demo_dir / "requests.csv", dtype=str, keep_default_na=False,
                           nrows=4000)
    truth = pd.read_csv(demo_dir / "requests_truth.csv", dtype=str, keep_default_na=False,
                        nrows=4000)
    requests["problem_id"] = truth["problem_id"]
    return intake_history(city, requests)


@pytest.fixture(scope="module")
def flags(history: pd.DataFrame, city: City) -> list[list[str]]:
    return replay_flags(history, city.profile.metric_crs, lambda _: RULE)


def _oracle(history: pd.DataFrame, rule: DuplicateRule) -> pd.DataFrame:
    """Per service: true repeats, flagged, repeats flagged, rightly flagged; a self-join."""
    rows = history.loc[history["filed"], ["service_code", "lon", "lat", "requested", "closed",
                                          "problem_id"]].reset_index(names="row")
    rows["t"] = rows["requested"]
    pairs = rows.merge(rows, on="service_code", suffixes=("", "_old"))
    pairs = pairs[(pairs["t_old"] < pairs["t"])
                  & (pairs["t_old"] >= pairs["t"] - pd.Timedelta(days=rule.days))
                  & (pairs["closed_old"].isna() | (pairs["closed_old"] > pairs["t"]))]
    pairs = pairs[_haversine(pairs["lon"], pairs["lat"], pairs["lon_old"], pairs["lat_old"])
                  <= rule.radius_m]
    pairs["same"] = pairs["problem_id"] == pairs["problem_id_old"]
    flags = pairs.groupby("row")["same"].any()
    rows["flagged"] = rows["row"].isin(flags.index)
    rows["right"] = rows["row"].map(flags).fillna(False).astype(bool)
    rows = rows.sort_values("t", kind="stable")
    rows["repeat"] = rows.groupby("problem_id").cumcount() > 0
    rows["hit"] = rows["repeat"] & rows["flagged"]
    return rows.groupby("service_code")[["repeat", "flagged", "hit", "right"]].sum()


def test_measurement_matches_a_pandas_self_join(history, flags):
    assert history["filed"].mean() > 0.9
    measured = measure_duplicates(history, flags)
    oracle = _oracle(history, RULE)
    assert oracle["repeat"].sum() > 80 and oracle["flagged"].sum() > 80
    for code, row in oracle.iterrows():
        got = measured["by_service"][code]
        assert (got["true_repeats"], got["flagged"], got["repeats_flagged"],
                got["flags_right"]) == tuple(int(v) for v in row), code
        if row["repeat"]:
            assert got["recall"] == round(row["hit"] / row["repeat"], 4)
        if row["flagged"]:
            assert got["precision"] == round(row["right"] / row["flagged"], 4)
    total = oracle.sum()
    overall = measured["overall"]
    assert overall["recall"] == round(total["hit"] / total["repeat"], 4)
    assert overall["precision"] == round(total["right"] / total["flagged"], 4)
    assert overall["not_filed"] == int((~history["filed"]).sum())


def test_a_mask_counts_its_rows_with_the_whole_history_as_truth(history, flags):
    half = np.arange(len(history)) >= len(history) // 2
    parts = [measure_duplicates(history, flags, mask)["overall"] for mask in (~half, half)]
    whole = measure_duplicates(history, flags)["overall"]
    for key in ("requests", "true_repeats", "flagged", "repeats_flagged", "flags_right"):
        assert parts[0][key] + parts[1][key] == whole[key]
