"""Duplicate-search edges found by mutation testing (`make mutate`): a hand-made history laid
out in metres, searched by HistoryIndex and checked against a brute-force filter written here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from geo311.errors import InputError
from geo311.service.duplicates import HistoryIndex

CRS = "EPSG:32611"  # UTM 11N, metres
ORIGIN = (300_000.0, 3_770_000.0)
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)

# id, service, east and north of the origin (m), filed (h after T0), closed (h, None open), filed?
ROWS = [
    ("a", "POT", 10.0, 0.0, 0, None, True),
    ("b", "POT", 0.0, 30.0, 1, 5, True),       # closed at 5 h
    ("c", "POT", -36.0, -27.0, 2, None, True),  # 45 m away
    ("d", "POT", 2.0, 2.0, 3, None, False),     # refused at intake: never found
    ("e", "LIGHT", 5.0, 0.0, 1, None, True),
    ("f", "POT", 0.0, 20.0, 30, None, True),    # filed later
    ("g", "POT", 60.0, 0.0, 0, None, True),     # beyond 50 m
]


def history(with_filed: bool = True) -> pd.DataFrame:
    to_lonlat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    east = np.array([r[2] for r in ROWS]) + ORIGIN[0]
    north = np.array([r[3] for r in ROWS]) + ORIGIN[1]
    lon, lat = to_lonlat.transform(east, north)
    frame = pd.DataFrame({
        "service_request_id": [r[0] for r in ROWS],
        "service_code": [r[1] for r in ROWS],
        "lon": lon, "lat": lat,
        "requested": pd.to_datetime([T0 + timedelta(hours=r[4]) for r in ROWS], utc=True),
        "closed": pd.to_datetime([None if r[5] is None else T0 + timedelta(hours=r[5])
                                  for r in ROWS], utc=True),
    })
    if with_filed:
        frame["filed"] = [r[6] for r in ROWS]
    return frame


def brute_force(clock: datetime, radius: float, code: str | None, since: datetime | None,
                with_filed: bool = True) -> list[tuple[str, float]]:
    """The rows open at ``clock`` within ``radius`` of the origin, nearest first."""
    out = []
    for name, service, east, north, filed_h, closed_h, filed in ROWS:
        when = T0 + timedelta(hours=filed_h)
        closed = None if closed_h is None else T0 + timedelta(hours=closed_h)
        if (with_filed and not filed) or (code is not None and service != code):
            continue
        if when >= clock or (closed is not None and closed <= clock):
            continue
        if since is not None and when < since:
            continue
        distance = float(np.hypot(east, north))
        if distance <= radius:
            out.append((name, distance))
    return sorted(out, key=lambda item: item[1])


def search(index: HistoryIndex, clock: datetime, radius: float, code: str | None = None,
           since: datetime | None = None, limit: int = 20) -> list[tuple[str, float]]:
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(*ORIGIN)
    index.clock = clock
    found = index.nearby_open(lon, lat, radius, service_code=code, since=since, limit=limit)
    return [(request.service_request_id, distance) for request, distance in found]


@pytest.mark.parametrize("with_filed", [True, False])
@pytest.mark.parametrize("hours", [0.5, 2.5, 4, 5, 40])
@pytest.mark.parametrize("code", [None, "POT"])
def test_open_requests_near_a_point_match_a_brute_force_filter(with_filed, hours, code):
    index = HistoryIndex(history(with_filed), CRS)
    clock = T0 + timedelta(hours=hours)
    got = search(index, clock, 50.0, code)
    expected = brute_force(clock, 50.0, code, None, with_filed)
    assert [name for name, _ in got] == [name for name, _ in expected]
    np.testing.assert_allclose([d for _, d in got], [d for _, d in expected], atol=1e-3)


def test_since_limit_and_the_filed_times_are_kept():
    index = HistoryIndex(history(), CRS)
    clock = T0 + timedelta(hours=40)
    since = T0 + timedelta(hours=1)
    assert [n for n, _ in search(index, clock, 50.0, "POT", since)] == \
        [n for n, _ in brute_force(clock, 50.0, "POT", since)] == ["f", "c"]
    assert [n for n, _ in search(index, clock, 100.0, limit=2)] == ["e", "a"]
    index.clock = clock
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(*ORIGIN)
    [(request, _)] = index.nearby_open(lon, lat, 1_000.0, service_code="LIGHT")
    assert request.requested_datetime == T0 + timedelta(hours=1)
    assert request.status == "open"


def test_a_history_without_needed_columns_is_named():
    with pytest.raises(InputError) as caught:
        HistoryIndex(history().drop(columns=["lat", "closed"]), CRS)
    assert caught.value.message == "history needs column(s) lat, closed"
    assert caught.value.details == {"field": "lat"}


def _ring(count: int, filed: datetime) -> pd.DataFrame:
    """``count`` open POT requests on a line east of the origin, 1 m, 2 m, ... away."""
    to_lonlat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    lon, lat = to_lonlat.transform(ORIGIN[0] + np.arange(1, count + 1, dtype=float),
                                   np.full(count, ORIGIN[1]))
    return pd.DataFrame({"service_request_id": [f"r{k:02d}" for k in range(count)],
                         "service_code": "POT", "lon": lon, "lat": lat,
                         "requested": pd.to_datetime([filed] * count, utc=True),
                         "closed": pd.to_datetime([None] * count, utc=True)})


def test_twenty_nearest_by_default_and_a_request_at_the_radius_is_found():
    index = HistoryIndex(_ring(25, T0), CRS)
    index.clock = T0 + timedelta(hours=1)
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(*ORIGIN)
    found = index.nearby_open(lon, lat, 100.0)
    assert [r.service_request_id for r, _ in found] == [f"r{k:02d}" for k in range(20)]
    farthest = index.nearby_open(lon, lat, 100.0, limit=25)[-1][1]
    assert [r.service_request_id for r, _ in index.nearby_open(lon, lat, farthest, limit=25)
            ][-1] == "r24"                                   # at exactly radius_m: kept
    assert len(index.nearby_open(lon, lat, np.nextafter(farthest, 0), limit=25)) == 24


def test_the_clock_is_now_unless_set():
    now = datetime.now(UTC)
    frame = pd.concat([_ring(2, now - timedelta(days=1)),
                       _ring(1, now + timedelta(days=365)).assign(service_request_id="later")])
    index = HistoryIndex(frame.reset_index(drop=True), CRS)
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(*ORIGIN)
    assert sorted(r.service_request_id for r, _ in index.nearby_open(lon, lat, 50.0)) == \
        ["r00", "r01"]
