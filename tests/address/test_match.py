"""The matching cascade on the demo region (interpolation: test_interpolate.py)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo311.address.interpolate import (
    LEFT,
    RIGHT,
)
from geo311.address.match import Matcher, MatchType
from geo311.address.parse import parse
from geo311.address.reference import AddressReference
from geo311.profile import AddressSettings, Profile

M_PER_DEG_LAT = 110_950.0  # near 36.3 degrees north
M_PER_DEG_LON = 111_320.0 * np.cos(np.radians(36.3))
# Share of perturbed requests whose true address is the best match / among the suggestions.
FLOORS_ANY = {"typo": 0.99, "suffix": 0.995, "directional": 0.995, "ordinal": 0.995,
              "unit": 0.995, "case": 0.995, "expanded": 0.995, "alias": 0.995}
FLOORS_BEST = {"typo": 0.99, "suffix": 0.995, "directional": 0.85, "ordinal": 0.995,
               "unit": 0.995, "case": 0.995, "expanded": 0.995, "alias": 0.995}


@pytest.fixture(scope="module")
def matcher(reference: AddressReference) -> Matcher:
    return Matcher(reference)


@pytest.fixture(scope="module")
def points(demo_dir: Path) -> pd.DataFrame:
    frame = pd.read_csv(demo_dir / "address_points.csv", dtype=str, keep_default_na=False)
    frame["number"] = frame["HouseNumber"].astype(int)
    frame["lon"] = frame["Longitude"].astype(float)
    frame["lat"] = frame["Latitude"].astype(float)
    frame["street"] = (frame["Direction"] + " " + frame["StreetName"] + " " + frame["Suffix"]
                       ).str.strip()
    return frame


@pytest.fixture(scope="module")
def streets(demo_dir: Path) -> gpd.GeoDataFrame:
    frame = gpd.read_file(demo_dir / "streets.gpkg")
    frame["street"] = frame["FULLNAME"].str.upper()
    return frame


def metres(lon0: float, lat0: float, lon1: float, lat1: float) -> float:
    """Distance in metres between two nearby lon/lat points."""
    return float(np.hypot((lon1 - lon0) * M_PER_DEG_LON, (lat1 - lat0) * M_PER_DEG_LAT))


def side_of_line(line: shapely.LineString, lon: float, lat: float) -> tuple[int, float]:
    """LEFT or RIGHT of the line's direction, and the distance from it in metres."""
    xy = shapely.get_coordinates(line) * [M_PER_DEG_LON, M_PER_DEG_LAT]
    local = shapely.LineString(xy)
    p = shapely.Point(lon * M_PER_DEG_LON, lat * M_PER_DEG_LAT)
    at = local.line_locate_point(p)
    a = local.interpolate(max(at - 1.0, 0.0))
    b = local.interpolate(min(at + 1.0, local.length))
    cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x)
    return (LEFT if cross > 0 else RIGHT), local.distance(p)


# ---------------------------------------------------------------- exact and perturbed


def test_every_address_point_matches_itself(matcher: Matcher, points: pd.DataFrame) -> None:
    sample = points.sample(2000, random_state=311)
    for address, lon, lat in zip(sample["Address"], sample["lon"], sample["lat"], strict=True):
        result = matcher.match(parse(address))
        assert result.match_type is MatchType.EXACT, address
        assert result.best.address == address and result.best.reason is None
        assert (result.best.lon, result.best.lat) == pytest.approx((lon, lat), abs=1e-9)
        assert result.suggestions[0] is result.best and result.notes == []


def test_perturbed_requests_find_the_true_address(matcher: Matcher, demo_dir: Path) -> None:
    requests = pd.read_csv(demo_dir / "requests.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(demo_dir / "requests_truth.csv", dtype=str, keep_default_na=False)
    rows = requests.merge(truth, on="service_request_id")
    rows = rows[rows["perturbation"].isin(list(FLOORS_ANY))]
    best, anywhere, total = Counter(), Counter(), Counter()
    for text, true, kind in zip(rows["address"], rows["true_address"], rows["perturbation"],
                                strict=True):
        result = matcher.match(parse(text))
        total[kind] += 1
        best[kind] += result.best is not None and result.best.address == true
        anywhere[kind] += true in [c.address for c in result.suggestions]
    for kind in FLOORS_ANY:
        print(f"{kind:12s} n={total[kind]:6d} best={best[kind] / total[kind]:.4f} "
              f"in suggestions={anywhere[kind] / total[kind]:.4f}")
    for kind, floor in FLOORS_ANY.items():
        assert total[kind] > 100
        assert anywhere[kind] / total[kind] >= floor, kind
        assert best[kind] / total[kind] >= FLOORS_BEST[kind], kind


def test_units(matcher: Matcher, points: pd.DataFrame) -> None:
    apt = points[points["Unit"].str.startswith("APT ")].iloc[0]
    line = f"{apt['number']} {apt['street']}"
    result = matcher.match(parse(f"{line} #{apt['Unit'][4:]}"))
    assert result.match_type is MatchType.EXACT and result.best.address == apt["Address"]
    assert result.best.reason == "unit designator differs"
    result = matcher.match(parse(f"{line} Apt 99"))
    assert result.match_type is MatchType.EXACT_IGNORING_UNIT
    assert result.best.address == line and result.best.reason == "unit not found"
    house = points[points["Unit"] == ""].iloc[0]
    result = matcher.match(parse(f"{house['Address']} Apt 3"))
    assert result.match_type is MatchType.EXACT
    assert result.best.address == f"{house['Address']} APT 3"
    assert result.best.reason == "unit not in reference"


def test_suffix_and_zip_rank_streets_of_one_name(matcher: Matcher, points: pd.DataFrame) -> None:
    fifth = points[points["StreetName"] == "5TH"]
    shared = fifth.groupby("number")["street"].nunique()
    number = int(shared[shared >= 3].index[0])
    on = fifth[fifth["number"] == number].drop_duplicates("street")
    assert on["street"].str.endswith("AVE").any() and on["street"].str.endswith("ST").any()
    for suffix in ("AVE", "ST"):
        result = matcher.match(parse(f"{number} 5th {suffix}"))
        assert result.best.street.suffix == suffix and result.match_type is MatchType.EXACT
        assert result.best.reason == "directional missing"
        assert {c.address for c in result.suggestions} >= {
            f"{number} {s}" for s in on["street"] if s.endswith(suffix)}
    # With neither directional nor suffix, the ZIP decides between the streets that have it.
    shared = points.drop_duplicates(["StreetName", "number", "street"])
    shared = shared[shared.groupby(["StreetName", "number"])["street"].transform("size") > 1]
    alone = shared[shared.groupby(["StreetName", "number", "ZipCode"])["street"]
                   .transform("size") == 1]
    assert len(alone) >= 20
    for _, row in alone.head(20).iterrows():
        result = matcher.match(parse(f"{row['number']} {row['StreetName']}, {row['ZipCode']}"))
        assert result.best.address == f"{row['number']} {row['street']}"
        assert result.best.zip == row["ZipCode"]


def test_missing_directional_is_decided_by_the_numbers(matcher: Matcher,
                                                       points: pd.DataFrame) -> None:
    main = points[points["StreetName"] == "MAIN"]
    north, south = (set(main.loc[main["Direction"] == d, "number"]) for d in "NS")
    for number in sorted(north - south)[:20]:
        assert matcher.match(parse(f"{number} Main St")).best.address == f"{number} N MAIN ST"
    for number in sorted(south - north)[:20]:
        assert matcher.match(parse(f"{number} Main St")).best.address == f"{number} S MAIN ST"


# ---------------------------------------------------------------- not on the points


def test_number_beyond_the_street_is_street_only(matcher: Matcher, points: pd.DataFrame,
                                                 streets: gpd.GeoDataFrame) -> None:
    segments = streets[streets["street"] == "N MAIN ST"]
    beyond = int(segments[["LFROMADD", "LTOADD", "RFROMADD", "RTOADD"]].to_numpy().max()) + 1000
    last = int(points.loc[points["street"] == "N MAIN ST", "number"].max())
    result = matcher.match(parse(f"{beyond} N Main St"))
    assert result.match_type is MatchType.STREET_ONLY
    assert result.notes == ["number_out_of_range"]
    assert result.best.address == "N MAIN ST" and result.best.number is None
    assert result.best.reason == f"number out of range, nearest is {last}"
    assert result.suggestions[1].address == f"{last} N MAIN ST"


def gaps(points: pd.DataFrame, count: int) -> list[tuple[str, int, int, int]]:
    """``(street, low, number, high)``: a missing number between two same-parity points."""
    out = []
    for street, group in points.groupby("street"):
        numbers = np.unique(group["number"])
        for parity in (0, 1):
            side = numbers[numbers % 2 == parity]
            wide = np.flatnonzero(np.diff(side) >= 6)
            if wide.size:
                low, high = int(side[wide[0]]), int(side[wide[0] + 1])
                out.append((street, low, low + 2 * ((high - low) // 4), high))
        if len(out) >= count:
            break
    return out


def test_missing_number_is_placed_on_its_side(matcher: Matcher, points: pd.DataFrame,
                                              streets: gpd.GeoDataFrame) -> None:
    cases = gaps(points, 40)
    assert len(cases) >= 40
    for street, _, number, _ in cases:
        result = matcher.match(parse(f"{number} {street}"))
        assert result.match_type is MatchType.CENTERLINE, street
        assert result.best.address == f"{number} {street}" and result.best.reason is None
        ranges = streets[streets["street"] == street]
        left = (ranges["LFROMADD"] <= number) & (number <= ranges["LTOADD"]) & (number % 2 == 1)
        right = (ranges["RFROMADD"] <= number) & (number <= ranges["RTOADD"]) & (number % 2 == 0)
        segment = ranges[left | right].geometry.iloc[0]
        side, distance = side_of_line(segment, result.best.lon, result.best.lat)
        assert side == (LEFT if number % 2 else RIGHT)  # the demo: odd numbers on the left
        assert distance == pytest.approx(10.0, abs=0.5)


def test_without_centerlines_numbers_are_placed_between_points(
    profile: Profile, points: pd.DataFrame, tmp_path: Path
) -> None:
    bare = dataclasses.replace(
        profile, addresses=dataclasses.replace(profile.addresses, centerlines=None))
    matcher = Matcher(AddressReference.from_profile(bare, cache_dir=tmp_path))
    for street, low, number, high in gaps(points, 40):
        result = matcher.match(parse(f"{number} {street}"))
        assert result.match_type is MatchType.POINT_INTERPOLATED, street
        on = points[points["street"] == street].drop_duplicates("number").set_index("number")
        t = (number - low) / (high - low)
        expected = (1 - t) * on.loc[low, ["lon", "lat"]] + t * on.loc[high, ["lon", "lat"]]
        assert (result.best.lon, result.best.lat) == pytest.approx(tuple(expected), abs=1e-9)
        # Same-parity neighbors sit on the number's own side: nearer to them than to the other.
        other = on[on.index % 2 != number % 2]
        near_other = min(metres(result.best.lon, result.best.lat, x, y)
                         for x, y in zip(other["lon"], other["lat"], strict=True))
        near_own = min(metres(result.best.lon, result.best.lat, *on.loc[n, ["lon", "lat"]])
                       for n in (low, high))
        assert near_own < 200 and near_other > 5
    last = int(points.loc[points["street"] == "N MAIN ST", "number"].max())
    assert matcher.match(parse(f"{last + 2} N Main St")).match_type is MatchType.STREET_ONLY


# ---------------------------------------------------------------- fuzzy and not found


def test_typos_are_fuzzy_matches_with_a_reason(matcher: Matcher, points: pd.DataFrame) -> None:
    row = points[points["StreetName"] == "MEADOWLARK"].iloc[0]
    result = matcher.match(parse(f"{row['number']} {row['Direction']} Meadowalrk Ave"))
    assert result.match_type is MatchType.FUZZY
    assert result.best.address == row["Address"] and result.best.reason == "one-letter typo"
    assert 0.5 < result.best.score < 1.0


@pytest.mark.parametrize(
    "text", ["123 Zzyzx Qwerty Blvd", "55 Xqzt Ave", "9 Qqqqqq St", "100 N 95th St", "7 Bo St"]
)
def test_absurd_input_is_not_found(matcher: Matcher, reference: AddressReference,
                                   text: str) -> None:
    assert parse(text).street.name not in reference.names
    result = matcher.match(parse(text))
    assert result.match_type is MatchType.NOT_FOUND
    assert result.best is None and result.suggestions == []
    assert result.notes == ["street_not_found"]


def test_po_box_and_streetless_input(matcher: Matcher) -> None:
    assert matcher.match(parse("PO Box 123")).notes == ["po_box"]
    result = matcher.match(parse("N Main St"))
    assert result.match_type is MatchType.STREET_ONLY and result.notes == ["no_number"]
    assert result.best.address == "N MAIN ST" and result.best.lon is not None


# ---------------------------------------------------------------- intersections


@pytest.mark.parametrize(
    ("text", "first", "second"),
    [
        ("Main St & Central Ave", "MAIN ST", "CENTRAL AVE"),
        ("N Main St and E 4th Ave", "N MAIN ST", "E 4TH AVE"),
        ("Golden State Blvd & Cesar Chavez Pkwy", "GOLDEN STATE BLVD", "CESAR CHAVEZ PKWY"),
        ("Golden State Blvd & Riverside Dr", "GOLDEN STATE BLVD", "RIVERSIDE DR"),
        ("MLK Blvd & Central Ave", "MARTIN LUTHER KING JR BLVD", "CENTRAL AVE"),
    ],
)
def test_intersections_are_where_the_centerlines_meet(
    matcher: Matcher, streets: gpd.GeoDataFrame, text: str, first: str, second: str
) -> None:
    def lines(name: str) -> shapely.Geometry:
        pick = streets["street"].str.fullmatch(rf"(?:[NSEW] )?{name}") | (streets["street"] == name)
        return shapely.union_all(streets[pick].geometry.to_numpy())

    meet = shapely.get_coordinates(shapely.intersection(lines(first), lines(second)))
    assert len(meet)
    result = matcher.match(parse(text))
    assert result.match_type is MatchType.INTERSECTION
    assert " & " in result.best.address
    assert min(metres(result.best.lon, result.best.lat, x, y) for x, y in meet) < 1.0


def test_streets_that_do_not_meet(matcher: Matcher, streets: gpd.GeoDataFrame) -> None:
    main = shapely.union_all(streets[streets["street"].str.endswith(" MAIN ST")].geometry)
    fifth = shapely.union_all(streets[streets["street"].str.endswith(" 5TH AVE")].geometry)
    assert not main.intersects(fifth)
    result = matcher.match(parse("Main St & 5th Ave"))
    assert result.match_type is MatchType.NOT_FOUND and result.notes == ["streets_do_not_meet"]


def test_crossing_without_a_shared_vertex(profile: Profile, tmp_path: Path) -> None:
    """Two centrelines that cross mid-segment; centreline interpolation by hand too."""
    lon0, lat0 = -119.9, 36.3
    north = shapely.LineString([(lon0, lat0 - 0.001), (lon0, lat0 + 0.001)])
    east = shapely.LineString([(lon0 - 0.001, lat0 + 0.0005), (lon0 + 0.001, lat0 + 0.0005)])
    gpd.GeoDataFrame(
        {"FULLNAME": ["Test St", "Cross Ave"], "LFROMADD": [101, 1], "LTOADD": [199, 99],
         "RFROMADD": [100, 2], "RTOADD": [198, 100], "ZIPL": ["93690", "93690"],
         "ZIPR": ["93691", "93690"]},
        geometry=[north, east], crs="EPSG:4326",
    ).to_file(tmp_path / "lines.geojson", driver="GeoJSON")
    pd.DataFrame({"n": ["101"], "street": ["Test St"], "x": [lon0 - 0.0001], "y": [lat0]}
                 ).to_csv(tmp_path / "points.csv", index=False)
    table = {"points": "points.csv", "number_field": "n", "street_field": "street",
             "lon_field": "x", "lat_field": "y", "centerlines": "lines.geojson"}
    tiny = dataclasses.replace(profile, path=tmp_path / "profile.toml",
                               addresses=AddressSettings(**table))
    matcher = Matcher(AddressReference.from_profile(tiny))
    result = matcher.match(parse("Test St & Cross Ave"))
    assert result.match_type is MatchType.INTERSECTION
    assert result.best.address == "TEST ST & CROSS AVE"
    assert (result.best.lon, result.best.lat) == pytest.approx((lon0, lat0 + 0.0005), abs=1e-7)
    # 150 is even: the right (east) side of the northbound line, 50/98 of range 100..198.
    result = matcher.match(parse("150 Test St"))
    assert result.match_type is MatchType.CENTERLINE and result.best.zip == "93691"
    assert result.best.lat == pytest.approx(lat0 - 0.001 + 0.002 * 50 / 98, abs=2e-7)
    assert metres(lon0, result.best.lat, result.best.lon, result.best.lat) == pytest.approx(
        10.0, abs=0.1)
    assert result.best.lon > lon0


# ---------------------------------------------------------------- reverse


def test_reverse_of_an_address_point(matcher: Matcher, points: pd.DataFrame) -> None:
    alone = points.drop_duplicates(["lon", "lat"], keep=False).sample(300, random_state=7)
    for address, lon, lat in zip(alone["Address"], alone["lon"], alone["lat"], strict=True):
        found, distance = matcher.reverse(lon, lat)
        assert found == address and distance < 0.01
    found, distance = matcher.reverse(alone["lon"].iloc[0] + 0.0002, alone["lat"].iloc[0])
    assert 5 < distance < 40
