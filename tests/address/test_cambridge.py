"""The Cambridge, MA profile: real street centrelines with left/right ranges (issue 12, part 3).

Oracles, all computed here from the city's layers with geopandas/shapely, never with the
validator's helpers: the side of a line (a one-sided buffer), the precinct and ward a point
falls in (a spatial join), the ends two streets' segments share, the city's own geocoded
points of its rodent-code citations and 311 tickets, and the towns layer.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from geo311.address.validate import Validator
from geo311.profile import load_profile

REPO = Path(__file__).resolve().parents[2]
METRIC = 26986  # Massachusetts State Plane, metres
OFFSET_M = 3.0  # profiles/cambridge: centerline_offset_m
ZIP = re.compile(r"^021\d\d$")


def _copy_profile(shared_data: Path, root: Path, points: str | None = None) -> Path:
    """The shipped profile reading ``shared_data`` (its caches kept out of the checkout)."""
    text = (REPO / "profiles/cambridge/profile.toml").read_text()
    text = text.replace("${GEO311_SHARED:-../../../shared}", str(shared_data.parent))
    if points:
        text = text.replace("data/cambridge/311/obs_bike_lanes.geojson", points)
    (root / "profile.toml").write_text(text)
    return root


@pytest.fixture(scope="module")
def cambridge(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Validator:
    return Validator(load_profile(_copy_profile(shared_data, tmp_path_factory.mktemp("cam"))))


@pytest.fixture(scope="module")
def centerlines(shared_data: Path) -> gpd.GeoDataFrame:
    frame = gpd.read_file(shared_data / "cambridge/centerlines/TRANS_Centerlines.geojson")
    frame = frame.to_crs(METRIC)
    frame["geometry"] = shapely.line_merge(frame.geometry.to_numpy())
    return frame[frame.geometry.geom_type == "LineString"].reset_index(drop=True)


@pytest.fixture(scope="module")
def precincts(shared_data: Path) -> gpd.GeoDataFrame:
    path = shared_data / "cambridge/wards_precincts/ELECTIONS_WardsPrecincts.geojson"
    return gpd.read_file(path).to_crs(METRIC)[["WardPrecinct", "Ward", "geometry"]]


def _metric(lon: list[float], lat: list[float]) -> np.ndarray:
    return gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326).to_crs(METRIC).to_numpy()


def _holds(number: int, start, end) -> bool:
    """Whether a side range holds ``number`` (same parity unless its ends differ in parity)."""
    if start is None or end is None or pd.isna(start) or pd.isna(end) or max(start, end) <= 0:
        return False
    start, end = int(start), int(end)
    if not min(start, end) <= number <= max(start, end):
        return False
    return (start - end) % 2 == 1 or (number - start) % 2 == 0


def _middle(start: int, end: int) -> int:
    """A number of the range near its middle, of the parity of its ends."""
    number = start + (end - start) // 2
    if (start - end) % 2 == 0 and (number - start) % 2:
        number += 1 if end > start else -1
    return number


def _side_point(line: shapely.LineString, fraction: float, side: str) -> shapely.Point:
    """The point at ``fraction`` of the line, OFFSET_M to its left (L) or right (R)."""
    here = line.interpolate(fraction, normalized=True)
    d = line.project(here)
    a, b = line.interpolate(max(d - 0.5, 0.0)), line.interpolate(min(d + 0.5, line.length))
    tx, ty = b.x - a.x, b.y - a.y
    norm = np.hypot(tx, ty)
    sign = 1.0 if side == "L" else -1.0
    return shapely.Point(here.x - sign * OFFSET_M * ty / norm, here.y + sign * OFFSET_M * tx / norm)


def _range_samples(centerlines: gpd.GeoDataFrame, prefix: str = "") -> pd.DataFrame:
    """One address per side range (``prefix`` "Potential_" for the potential ranges): its
    middle number, when no (other) actual range of the street holds it."""
    rows = []
    frame = centerlines[centerlines.Street.notna()]
    for street, group in frame.groupby("Street"):
        actual = [(r[f"{s}_From"], r[f"{s}_To"]) for _, r in group.iterrows() for s in "LR"]
        for i, row in group.iterrows():
            for side in "LR":
                start, end = row[f"{prefix}{side}_From"], row[f"{prefix}{side}_To"]
                if pd.isna(start) or pd.isna(end) or max(start, end) <= 0:
                    continue
                number = _middle(int(start), int(end))
                if sum(_holds(number, a, b) for a, b in actual) != (0 if prefix else 1):
                    continue
                fraction = 0.5 if start == end else (number - start) / (end - start)
                rows.append({"row": i, "street": street, "side": side, "number": number,
                             "fraction": fraction, "backwards": start > end,
                             "zip": row[f"ZIP_{'Left' if side == 'L' else 'Right'}"]})
    return pd.DataFrame(rows)


def _left_of(lines: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Whether each point is left of its line, by the sign of the cross product of the
    line's direction where the point projects and the offset to the point."""
    along = shapely.line_locate_point(lines, points)
    lengths = shapely.length(lines)
    a = shapely.line_interpolate_point(lines, np.maximum(along - 0.5, 0.0))
    b = shapely.line_interpolate_point(lines, np.minimum(along + 0.5, lengths))
    ax, ay = shapely.get_x(a), shapely.get_y(a)
    bx, by = shapely.get_x(b), shapely.get_y(b)
    px, py = shapely.get_x(points), shapely.get_y(points)
    return (bx - ax) * (py - ay) - (by - ay) * (px - ax) > 0


def test_range_addresses_land_on_their_side_of_their_segment_in_their_precinct(
        cambridge, centerlines, precincts):
    samples = _range_samples(centerlines)
    texts = [f"{n} {s}, Cambridge, MA" for n, s in zip(samples.number, samples.street,
                                                       strict=True)]
    answers = cambridge.validate_many(texts)
    samples["match_type"] = [a["match_type"] for a in answers]
    placed = samples[samples.match_type == "centerline_interpolated"].copy()
    assert len(samples) > 3000 and len(placed) >= 0.97 * len(samples)
    rows = [answers[i] for i in placed.index]
    points = _metric([a["lon"] for a in rows], [a["lat"] for a in rows])
    lines = centerlines.geometry.to_numpy()[placed.row.to_numpy()]

    # the right segment: no segment of another street or range nearer than this one
    near = shapely.distance(points, lines)
    assert np.mean(near <= OFFSET_M + 0.5) >= 0.99
    # the right side: that of the range
    on_side = _left_of(lines, points) == (placed.side == "L").to_numpy()
    assert on_side.mean() >= 0.99
    backwards = placed.backwards.to_numpy()
    assert backwards.sum() >= 30 and on_side[backwards].mean() >= 0.97

    # the right place along it: the number's share of the range, from the "from" end
    expected = [_side_point(line, f, s) for line, f, s in zip(
        lines, placed.fraction, placed.side, strict=True)]
    offsets = shapely.distance(points, np.array(expected))
    assert np.mean(offsets <= 1.0) >= 0.98, np.percentile(offsets, [50, 95, 99])

    # the right precinct and ward: those of the expected point, away from their edges
    truth = gpd.sjoin(gpd.GeoDataFrame(geometry=expected, crs=METRIC), precincts,
                      predicate="within", how="left")
    truth = truth[~truth.index.duplicated()]
    edges = shapely.union_all(precincts.boundary.to_numpy())
    clear = shapely.distance(np.array(expected), edges) > 1.0
    ours = [((a["location"] or {}).get("districts") or {}).get("precinct") or {} for a in rows]
    precinct = np.array([d.get("id") for d in ours], dtype=object)
    known = clear & truth.WardPrecinct.notna().to_numpy()
    right = precinct[known] == truth.WardPrecinct.to_numpy()[known]
    assert known.sum() > 2500 and right.mean() >= 0.995
    ward = np.array([p.split("-")[0] if p else None for p in precinct], dtype=object)
    assert np.mean(ward[known] == truth.Ward.to_numpy()[known]) >= 0.995
    # including the addresses on streets that are a ward's edge: their side decides
    wards = precincts.dissolve("Ward")
    ward_edges = shapely.union_all(wards.boundary.to_numpy())
    on_edge = known & (shapely.distance(lines, ward_edges) < 5.0)
    edge_right = np.mean(precinct[on_edge] == truth.WardPrecinct.to_numpy()[on_edge])
    print(f"Cambridge ranges: {len(samples)} addresses, {len(placed)} placed, on their side "
          f"{on_side.mean():.2%}, within 1 m of the expected point {np.mean(offsets <= 1):.2%}, "
          f"precinct {right.mean():.2%} of {known.sum()}, on ward edges {edge_right:.2%} of "
          f"{on_edge.sum()}")
    assert on_edge.sum() >= 50 and edge_right >= 0.98

    # ZIP left/right: the answer's ZIP is its side's
    zips = np.array([(a["suggestions"] or [{}])[0].get("zip") for a in rows], dtype=object)
    valid = placed.zip.fillna("").str.match(ZIP).to_numpy()
    assert np.mean(zips[valid] == placed.zip.to_numpy()[valid]) >= 0.99
    two = centerlines[(centerlines.ZIP_Left != centerlines.ZIP_Right)
                      & centerlines.ZIP_Left.fillna("").str.match(ZIP)
                      & centerlines.ZIP_Right.fillna("").str.match(ZIP)].index
    both = placed.row.isin(two).to_numpy()
    assert both.sum() >= 5 and np.all(zips[both] == placed.zip.to_numpy()[both])


def test_potential_ranges_place_numbers_where_the_actual_range_is_empty(
        cambridge, centerlines):
    empty = centerlines.copy()
    for side in "LR":
        actual = empty[[f"{side}_From", f"{side}_To"]].fillna(-1).max(axis=1) <= 0
        empty.loc[~actual, [f"Potential_{side}_From", f"Potential_{side}_To"]] = -1
    samples = _range_samples(empty, prefix="Potential_")
    checked = 0
    for sample in samples.itertuples():
        answer = cambridge.validate(f"{sample.number} {sample.street}, Cambridge, MA")
        if answer["match_type"] == "exact":  # a 311 ticket of the reference has the number
            continue
        assert answer["match_type"] == "centerline_interpolated", sample
        checked += 1
        point = _metric([answer["lon"]], [answer["lat"]])[0]
        line = centerlines.geometry.iloc[sample.row]
        assert shapely.distance(point, line) <= OFFSET_M + 0.5, sample
        assert _left_of(np.array([line]), np.array([point]))[0] == (sample.side == "L"), sample
    assert checked >= 5


def test_a_number_in_a_gap_of_the_ranges_is_placed_between_them(cambridge, centerlines):
    # Memorial Dr: odd numbers 719 and 769-777 on neighbouring segments; 745 is on none
    street = centerlines[centerlines.Street == "Memorial Dr"]
    assert not any(_holds(745, r[f"{s}_From"], r[f"{s}_To"])
                   for _, r in street.iterrows() for s in "LR")
    answer = cambridge.validate("745 Memorial Dr, Cambridge, MA")
    assert answer["status"] == "approximate" and answer["match_type"] == "street_interpolated"
    assert answer["suggestions"][0]["reason"] == "number between ranges, 719 to 769"
    holders = [i for i, r in street.iterrows() for s in "LR"
               for n in (719, 769) if _holds(n, r[f"{s}_From"], r[f"{s}_To"])]
    point = _metric([answer["lon"]], [answer["lat"]])[0]
    assert min(shapely.distance(point, centerlines.geometry[holders])) <= OFFSET_M + 1
    assert answer["precision_m"] >= 50  # 50 numbers missing


def test_a_number_past_every_range_is_at_the_nearest_range_end(cambridge, centerlines,
                                                              shared_data):
    # a long street none of the 311 tickets (the profile's address points) is on
    tickets = " ".join(gpd.read_file(shared_data / "cambridge/311/obs_bike_lanes.geojson")
                       .address.str.lower())
    counts = centerlines.Street.value_counts()
    name = next(n for n in counts.index if n.lower().split()[0] not in tickets)
    assert counts[name] >= 10
    street = centerlines[centerlines.Street == name]
    ends = street[["L_From", "L_To", "R_From", "R_To"]].to_numpy(dtype=float)
    top = int(np.nanmax(ends))
    rows = [i for i, r in street.iterrows()
            if top in (r.L_From, r.L_To, r.R_From, r.R_To)]
    answer = cambridge.validate(f"{top + 400} {name}, Cambridge, MA")
    assert answer["status"] == "approximate" and answer["match_type"] == "street_only"
    assert answer["suggestions"][0]["reason"] == f"number out of range, nearest is {top}"
    point = _metric([answer["lon"]], [answer["lat"]])[0]
    assert min(shapely.distance(point, centerlines.geometry[rows])) <= OFFSET_M + 0.5
    assert answer["precision_m"] >= 400


@pytest.mark.parametrize(("text", "first", "second"), [
    ("Mass Ave & Prospect St", "Massachusetts Ave", "Prospect St"),
    ("Main and Ames", "Main St", "Ames St"),
    ("Broadway at Hampshire", "Broadway", "Hampshire St"),
])
def test_intersections_are_a_node_both_streets_share(cambridge, centerlines, text, first,
                                                     second):
    answer = cambridge.validate(text)
    assert answer["match_type"] == "intersection" and answer["lon"] is not None
    # a corner of several precincts is approximate, naming them; one of a single, placed
    several = any(len(c) > 1 for c in answer["district_candidates"].values())
    assert answer["status"] == ("approximate" if several else "corrected")
    assert answer["district_certain"] is not several
    point = _metric([answer["lon"]], [answer["lat"]])[0]
    assert shapely.distance(point, _shared_ends(centerlines, first, second)) < 1.0


def _shared_ends(centerlines: gpd.GeoDataFrame, first: str, second: str) -> shapely.Geometry:
    """The segment ends of ``first`` within 1 m of an end of ``second`` (a multipoint)."""
    ends = []
    for street in (first, second):
        lines = centerlines[centerlines.Street == street].geometry.to_numpy()
        ends.append(shapely.union_all(np.concatenate([
            shapely.get_point(lines, 0), shapely.get_point(lines, -1)])))
    points = shapely.get_parts(ends[0])
    return shapely.multipoints(points[shapely.distance(points, ends[1]) < 1.0])


def test_streets_that_meet_twice_are_ambiguous_with_each_place(cambridge, centerlines):
    shared = shapely.get_parts(_shared_ends(centerlines, "Mt Auburn St", "Brattle St"))
    far = max(shapely.distance(shared[0], shared))
    assert far > 1000  # Harvard Square and the west end, by the layer's geometry
    answer = cambridge.validate("Mt Auburn St & Brattle St")
    assert answer["status"] == "ambiguous" and answer["lon"] is None
    places = _metric([s["lon"] for s in answer["suggestions"]],
                     [s["lat"] for s in answer["suggestions"]])
    assert len(places) >= 2
    assert all(shapely.distance(p, shapely.multipoints(shared)) < 45 for p in places)
    assert max(shapely.distance(places[0], places)) > 1000


def test_intersections_where_the_node_ids_disagree_with_the_geometry(cambridge, centerlines):
    """Streets whose segments end at one place under different FromNode/ToNode ids meet."""
    usps = {"St", "Ave", "Rd", "Pl", "Dr", "Ct", "Ter", "Way", "Ln", "Cir", "Blvd", "Sq"}
    ends = []
    for i, row in centerlines[centerlines.Street_Type.isin(usps)].iterrows():
        line = row.geometry
        for where, node in ((line.coords[0], row.FromNode), (line.coords[-1], row.ToNode)):
            ends.append((i, row.Street, node, *where))
    ends = pd.DataFrame(ends, columns=["row", "street", "node", "x", "y"]).dropna()
    ends["cell"] = list(zip((ends.x // 0.5).astype(int), (ends.y // 0.5).astype(int),
                            strict=True))
    pairs = []
    for _, group in ends.groupby("cell"):
        streets = group.drop_duplicates("street")
        if len(streets) == 2 and streets.node.nunique() == 2:
            pairs.append((streets.street.iloc[0], streets.street.iloc[1],
                          shapely.Point(streets.x.iloc[0], streets.y.iloc[0])))
    assert len(pairs) >= 5
    for first, second, where in pairs:
        answer = cambridge.validate(f"{first} & {second}")
        places = _metric([s["lon"] for s in answer["suggestions"]],
                         [s["lat"] for s in answer["suggestions"]])
        assert answer["match_type"] == "intersection", (first, second)
        assert min(shapely.distance(where, places)) < 45, (first, second)


def test_aliases_of_the_centrelines_and_common_abbreviations(cambridge, centerlines):
    streets = {s.lower() for s in centerlines.Street.dropna()}
    named = centerlines[centerlines.Alias.notna() & centerlines.Street.notna()]
    claims = {}  # alias -> the streets that carry it
    for row in named.itertuples():
        for alias in row.Alias.split(","):
            claims.setdefault(alias.strip().rstrip("?").lower(), set()).add(row.Street)
    checked = 0
    for row in named.itertuples():
        for alias in row.Alias.split(","):
            alias = alias.strip().rstrip("?")
            if (not alias or alias.lower() in streets or len(claims[alias.lower()]) > 1
                    or not (row.L_From or 0) > 0):
                continue
            number = _middle(int(row.L_From), int(row.L_To))
            by_alias = cambridge.validate(f"{number} {alias}, Cambridge, MA")
            by_name = cambridge.validate(f"{number} {row.Street}, Cambridge, MA")
            assert by_alias["address"] == by_name["address"], (alias, row.Street)
            checked += 1
    assert checked >= 50
    for short, long in [("Mass Ave & Prospect St", "Massachusetts Ave & Prospect St"),
                        ("100 Mem Dr", "100 Memorial Dr"),
                        ("Msgr O'Brien Hwy & Third St", "Monsignor OBrien Hwy & Third St"),
                        ("1000 Mass Avenue", "1000 Massachusetts Ave")]:
        a, b = cambridge.validate(short), cambridge.validate(long)
        assert a["address"] == b["address"] and a["lon"] == b["lon"], short
        assert a["suggestions"][0]["reason"].startswith("alias of"), short


def test_a_street_along_a_ward_boundary_gives_district_candidates(cambridge, centerlines,
                                                                   precincts):
    wards = precincts.dissolve("Ward").reset_index()
    edges = shapely.union_all(wards.boundary.to_numpy())
    named = centerlines[centerlines.Street.notna()]
    samples = named.geometry.interpolate(0.5, normalized=True)
    along = named.assign(edge=shapely.distance(samples.to_numpy(), edges) < 3.0,
                         length=named.length)
    share = along.groupby("Street").apply(
        lambda g: (g.length * g.edge).sum() / g.length.sum(), include_groups=False)
    share = share[along.groupby("Street").length.sum() > 300].sort_values()
    street = share.index[-1]
    assert share.iloc[-1] > 0.5
    lines = named[named.Street == street].geometry.union_all()
    touching = set(wards[wards.distance(lines) < 5].Ward)
    answer = cambridge.validate(f"{street}, Cambridge, MA")
    assert answer["status"] == "approximate" and answer["district_certain"] is False
    found = {c["id"].split("-")[0] for c in answer["district_candidates"]["precinct"]
             if c["id"]}
    assert len(found) >= 2 and found <= touching, (street, found, touching)


def test_an_address_over_the_town_line_is_redirected(cambridge, centerlines, shared_data):
    city = gpd.read_file(shared_data / "cambridge/boundary/BOUNDARY_CityBoundary.geojson")
    city = city.to_crs(METRIC).geometry.union_all()
    towns = gpd.read_file(shared_data / "cambridge/neighbors/ma_towns_around_cambridge.geojson")
    towns = towns.to_crs(METRIC)
    towns = towns[towns.TOWN != "CAMBRIDGE"]
    samples = _range_samples(centerlines)
    checked = {}
    for sample in samples.itertuples():
        line = centerlines.geometry.iloc[sample.row]
        point = _side_point(line, sample.fraction, sample.side)
        if city.contains(point) or city.distance(point) < 10:
            continue
        town = towns[towns.contains(point)].TOWN.tolist()
        if len(town) != 1:
            continue
        answer = cambridge.validate(f"{sample.number} {sample.street}, Cambridge, MA")
        assert answer["redirect"] is not None, sample
        assert answer["redirect"]["id"] == town[0], sample
        checked[town[0]] = checked.get(town[0], 0) + 1
    assert checked.get("SOMERVILLE", 0) >= 5, checked


def _distances(validator: Validator, texts: list[str], points: gpd.GeoSeries) -> np.ndarray:
    geod = Geod(ellps="WGS84")
    out = []
    for text, point in zip(texts, points, strict=True):
        answer = validator.validate(text)
        if answer["lon"] is not None:
            out.append(geod.inv(answer["lon"], answer["lat"], point.x, point.y)[2])
    return np.array(out)


def test_citation_addresses_land_near_the_city_points(cambridge, shared_data):
    citations = gpd.read_file(shared_data / "cambridge/rodent_violations/rodent_violations.geojson")
    texts = [t.strip() + ", Cambridge, MA" for t in citations.address]
    distances = _distances(cambridge, texts, citations.geometry)
    print(f"Cambridge citations: {len(citations)}, located {len(distances)}, median "
          f"{np.median(distances):.1f} m, p95 {np.percentile(distances, 95):.1f} m")
    # measured: 226, 225 located, median 13.5 m, p95 73 m (6 city points lie 1-2 km from
    # the street they name: "7 Seckel St" 4 times, "11-1/2 Fifth St", "169-A Harvard St")
    assert len(distances) >= 0.95 * len(citations)
    assert np.median(distances) < 20 and np.percentile(distances, 95) < 150


def test_311_addresses_land_near_the_ticket_points(shared_data, tmp_path):
    """The 311 tickets against a reference without them: the centrelines and citations."""
    profile = _copy_profile(shared_data, tmp_path,
                            points="data/cambridge/rodent_violations/rodent_violations.geojson")
    validator = Validator(load_profile(profile))
    tickets = gpd.read_file(shared_data / "cambridge/311/obs_bike_lanes.geojson")
    distances = _distances(validator, list(tickets.address), tickets.geometry)
    print(f"Cambridge 311 tickets: {len(tickets)}, located {len(distances)}, median "
          f"{np.median(distances):.1f} m, p95 {np.percentile(distances, 95):.1f} m")
    assert len(distances) >= 0.8 * len(tickets)
    assert np.median(distances) < 60
