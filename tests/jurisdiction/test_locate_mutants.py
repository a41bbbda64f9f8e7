"""Every field of ``locate`` and ``locate_many`` against a brute-force geopandas oracle.

Written against the mutants that survived ``make mutate`` on ``jurisdiction/locate.py``.
The oracle reads the profile's raw layers, projects them with geopandas and applies the
rules of the module docstring by plain shapely predicates and distances, point by point:
it shares nothing with the engine but the profile it was loaded from.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from geo311.errors import InputError, ProfileError
from geo311.jurisdiction import Locator
from geo311.profile import load_profile

from .conftest import X0, Y0, write_synthetic


class Oracle:
    """The engine's rules, one point at a time, from the profile's own layers."""

    def __init__(self, profile) -> None:
        crs = profile.metric_crs
        self.profile = profile
        self.tol = profile.near_boundary_m
        self.city = profile.boundary
        self.city_m = gpd.GeoSeries([profile.boundary], crs=4326).to_crs(crs).iloc[0]
        self.agencies = [profile.jurisdiction, *profile.neighbors]
        if profile.neighbor_layer is not None:
            geoms = gpd.GeoSeries(list(profile.neighbor_layer.geoms), crs=4326)
            self.nbr, self.nbr_m = list(geoms), list(geoms.to_crs(crs))
        else:
            self.nbr, self.nbr_m = [], []
        self.districts = []
        for d in profile.districts:
            geoms = gpd.GeoSeries(list(d.layer.geoms), crs=4326)
            self.districts.append((d.key, list(d.layer.ids), list(d.layer.names), list(geoms),
                                   list(geoms.to_crs(crs))))
        self.to_m = Transformer.from_crs(4326, crs, always_xy=True).transform

    @staticmethod
    def smallest(geoms, metric, point) -> int:
        hits = [i for i, g in enumerate(geoms) if g.intersects(point)]
        return min(hits, key=lambda i: (metric[i].area, i)) if hits else -1

    def answer(self, x: float, y: float) -> dict:
        p, pm = shapely.Point(x, y), shapely.Point(self.to_m(x, y))
        inside = self.city.intersects(p)
        neighbor = self.smallest(self.nbr, self.nbr_m, p)
        agency = 0 if inside else (neighbor + 1 if neighbor >= 0 else -1)
        districts, near, alternatives = {}, False, []
        city_d = self.city_m.boundary.distance(pm)
        near = city_d <= self.tol
        for key, ids, names, geoms, metric in self.districts:
            f = self.smallest(geoms, metric, p)
            districts[key] = {"id": ids[f], "name": names[f]} if f >= 0 else None
            for j, g in enumerate(metric):
                d = g.boundary.distance(pm)
                if d <= self.tol:
                    near = True
                    if j != f:
                        alternatives.append(({"layer": key, "id": ids[j], "name": names[j]}, d))
        agency_alts = []
        if near:
            if city_d <= self.tol and agency != 0:
                agency_alts.append((0, city_d))
            for j, g in enumerate(self.nbr_m):
                d = g.boundary.distance(pm)
                if d <= self.tol and j + 1 != agency:
                    agency_alts.append((j + 1, d))
        agency_alts.sort(key=lambda a: a[1])
        alternatives.sort(key=lambda a: a[1])
        alts = [{"layer": "agency", **self.agencies[i].as_dict(), "distance_m": d}
                for i, d in agency_alts] + [{**a, "distance_m": d} for a, d in alternatives]
        nearest = None
        if agency < 0:
            options = [(city_d, 0)] + [(g.distance(pm), j + 1) for j, g in enumerate(self.nbr_m)]
            d, i = min(options)
            nearest = {**self.agencies[i].as_dict(), "distance_m": d}
        return {"in_jurisdiction": agency == 0,
                "agency": self.agencies[agency].as_dict() if agency >= 0 else None,
                "nearest_agency": nearest, "districts": districts,
                "boundary_distance_m": city_d, "near_boundary": near if near else False,
                "alternatives": alts if near else []}


def sample_points(oracle: Oracle, n_random: int, n_edge: int, seed: int):
    """Random points over the region, and points within ~2 tolerances of every edge."""
    rng = np.random.default_rng(seed)
    x = list(rng.uniform(X0 - 0.06, X0 + 0.1, n_random))
    y = list(rng.uniform(Y0 - 0.06, Y0 + 0.1, n_random))
    edges = [oracle.city, *oracle.nbr, *(g for d in oracle.districts for g in d[3])]
    boundary = shapely.union_all([g.boundary for g in edges])
    along = rng.uniform(0, boundary.length, n_edge)
    on = shapely.line_interpolate_point(boundary, along)
    # offsets up to ~2 tolerances (in degrees, ~85 km a degree of longitude here)
    scale = 2 * oracle.tol / 85_000
    x += list(shapely.get_x(on) + rng.uniform(-scale, scale, n_edge))
    y += list(shapely.get_y(on) + rng.uniform(-scale, scale, n_edge))
    return np.array(x), np.array(y)


def assert_answer(got: dict, want: dict, x: float, y: float) -> None:
    where = f"at ({x!r}, {y!r})"
    assert (got["lon"], got["lat"]) == (x, y)
    for key in ("in_jurisdiction", "agency", "districts", "near_boundary"):
        assert got[key] == want[key], f"{key} {where}"
    assert got["boundary_distance_m"] == pytest.approx(want["boundary_distance_m"], abs=0.006)
    assert round(got["boundary_distance_m"], 2) == got["boundary_distance_m"]
    for pair in (("nearest_agency",), ):
        g, w = got[pair[0]], want[pair[0]]
        assert (g is None) == (w is None), where
        if g is not None:
            assert g["distance_m"] == pytest.approx(w["distance_m"], abs=0.006), where
            assert round(g["distance_m"], 2) == g["distance_m"]
            assert {**g, "distance_m": 0} == {**w, "distance_m": 0}, where
    assert len(got["alternatives"]) == len(want["alternatives"]), where
    for g, w in zip(got["alternatives"], want["alternatives"], strict=True):
        assert g["distance_m"] == pytest.approx(w["distance_m"], abs=0.006), where
        assert round(g["distance_m"], 2) == g["distance_m"]
        assert {**g, "distance_m": 0} == {**w, "distance_m": 0}, where


def profile_without_neighbors(root):
    write_synthetic(root)
    toml = root / "profile.toml"
    text = toml.read_text()
    start, end = text.index("[neighbors]"), text.index("[[districts]]")
    toml.write_text(text[:start] + text[end:])
    return load_profile(root)


@pytest.fixture(scope="module")
def profiles(tmp_path_factory):
    with_neighbors = load_profile(write_synthetic(tmp_path_factory.mktemp("with")))
    alone = profile_without_neighbors(tmp_path_factory.mktemp("alone"))
    return {"with_neighbors": with_neighbors, "alone": alone}


@pytest.fixture(scope="module", params=["with_neighbors", "alone"])
def case(request, profiles):
    profile = profiles[request.param]
    return Locator(profile), Oracle(profile), request.param


def test_locate_equals_the_oracle_everywhere_and_near_every_edge(case):
    locator, oracle, _ = case
    x, y = sample_points(oracle, 400, 600, seed=15)
    kinds = {"in": 0, "agency": 0, "none": 0, "near": 0, "alts": 0, "district_alt": 0}
    for a, b in zip(x.tolist(), y.tolist(), strict=True):
        want = oracle.answer(a, b)
        assert_answer(locator.locate(a, b), want, a, b)
        kinds["in"] += want["in_jurisdiction"]
        kinds["agency"] += want["agency"] is not None and not want["in_jurisdiction"]
        kinds["none"] += want["agency"] is None
        kinds["near"] += want["near_boundary"]
        kinds["alts"] += len(want["alternatives"]) > 1
        kinds["district_alt"] += any(a["layer"] != "agency" for a in want["alternatives"])
    # the sample reaches every branch of the rules
    assert all(v >= 5 for k, v in kinds.items() if k != "agency"), kinds
    if locator.neighbors is not None:
        assert kinds["agency"] >= 5, kinds


def test_locate_many_equals_locate_point_by_point(case):
    locator, oracle, _ = case
    x, y = sample_points(oracle, 300, 300, seed=16)
    x[::97], y[::89] = np.nan, 95.0  # bad rows stay in place
    many = locator.locate_many(x, y)
    frame = many.to_frame()
    quick = locator.locate_many(x, y, near_boundary=False)
    assert quick.near_boundary is None and "near_boundary" not in quick.to_frame()
    assert len(many) == len(x) == len(frame)
    assert frame["in_jurisdiction"].dtype == "boolean" and frame["near_boundary"].dtype == "boolean"
    assert frame["error"].tolist() == many.error.tolist() and frame["error"].notna().sum() > 5
    for i, (a, b) in enumerate(zip(x.tolist(), y.tolist(), strict=True)):
        if np.isnan(a) or b > 90:
            assert not many.valid[i] and many.error[i]
            assert frame["in_jurisdiction"].isna()[i] and frame["near_boundary"].isna()[i]
            assert frame["agency_id"][i] is None and frame["ward_id"][i] is None
            continue
        want = oracle.answer(a, b)
        assert many.valid[i] and many.error[i] is None and frame["error"][i] is None
        assert bool(frame["in_jurisdiction"][i]) == want["in_jurisdiction"]
        assert bool(frame["near_boundary"][i]) == want["near_boundary"]
        agency = want["agency"] or {"id": None, "name": None, "phone": None}
        assert (frame["agency_id"][i], frame["agency_name"][i], frame["agency_phone"][i]) == (
            agency["id"], agency["name"], agency["phone"])
        ward = want["districts"]["ward"]
        assert frame["ward_id"][i] == (ward["id"] if ward else None)
        assert quick.agency[i] == many.agency[i]
        assert quick.districts["ward"][i] == many.districts["ward"][i]


def test_locate_many_of_only_valid_points_and_of_none(case):
    locator, oracle, _ = case
    x, y = sample_points(oracle, 50, 50, seed=17)
    many = locator.locate_many(list(x), list(y))
    assert many.valid.all() and (many.error == None).all()  # noqa: E711
    for i in range(len(x)):
        want = oracle.answer(float(x[i]), float(y[i]))
        assert bool(many.in_jurisdiction[i]) == want["in_jurisdiction"]
        assert bool(many.near_boundary[i]) == want["near_boundary"]
    empty = locator.locate_many([], [])
    assert len(empty) == 0 and len(empty.to_frame()) == 0


def test_locate_many_rejects_columns_of_different_lengths(case):
    locator = case[0]
    with pytest.raises(InputError, match="^lons and lats must have the same length$") as info:
        locator.locate_many([1.0, 2.0], [1.0])
    assert info.value.details == {"lons": 2, "lats": 1}


def test_coordinate_errors_name_the_coordinate(case):
    locator = case[0]
    result = locator.locate_many([X0, 181.0, X0, np.nan, -181.0, np.nan],
                                 [Y0, Y0, -91.0, Y0, 91.0, np.nan])
    assert result.valid.tolist() == [True, False, False, False, False, False]
    assert result.error.tolist() == [None, "longitude out of range [-180, 180]",
                                     "latitude out of range [-90, 90]",
                                     "longitude missing or not a number",
                                     "longitude out of range [-180, 180]",
                                     "longitude missing or not a number"]
    for lon, lat, message in ((181.0, Y0, "longitude out of range"),
                              (X0, -91.0, "latitude out of range"),
                              (X0, float("nan"), "^latitude missing or not a number$"),
                              (None, Y0, "must be numbers")):
        with pytest.raises(InputError, match=message):
            locator.locate(lon, lat)
    # the edges of the valid range are valid, also beside a bad row
    edges = locator.locate_many([180.0, -180.0, 0.0, 0.0, 200.0], [0.0, 0.0, 90.0, -90.0, 0.0])
    assert edges.valid.tolist() == [True, True, True, True, False]
    assert edges.error.tolist() == [None] * 4 + ["longitude out of range [-180, 180]"]


def test_unknown_district_layer_lists_the_known_ones(case):
    locator = case[0]
    assert locator.district_layer("ward").key == "ward"
    with pytest.raises(InputError, match=r"no district layer 'precinct'; the profile's are: "
                                         r"ward$"):
        locator.district_layer("precinct")
    with pytest.raises(InputError) as info:
        locator.district_layer("precinct")
    assert info.value.details == {"key": "precinct"}


def test_a_tiny_memory_limit_is_a_profile_error_with_the_estimate(tmp_path):
    root = write_synthetic(tmp_path)
    toml = root / "profile.toml"
    toml.write_text(toml.read_text() + "\n[locate]\nmax_memory_mb = 1\ngrid_cell_m = 1\n")
    with pytest.raises(ProfileError, match=r"would need about [\d,]+ MB, more than "
                                           r"\[locate\] max_memory_mb = 1 ") as info:
        Locator(load_profile(root))
    assert info.value.details["needed_mb"] > 1


@pytest.mark.parametrize(("x", "y"), [(X0 + 0.01, Y0), (X0 + 0.01, Y0 + 0.04), (X0, Y0 + 0.01),
                                      (X0 + 0.04, Y0 + 0.03), (X0, Y0), (X0 + 0.04, Y0 + 0.04)])
def test_a_point_on_any_side_or_corner_of_the_city_limit_is_inside(case, x, y):
    locator = case[0]
    assert locator.locate(x, y)["in_jurisdiction"] is True
    assert locator.locate_many([x], [y]).in_jurisdiction.tolist() == [True]


def test_from_profile_with_problems_raises_the_profile_error(tmp_path):
    import dataclasses

    profile = load_profile(write_synthetic(tmp_path))
    broken = dataclasses.replace(profile, problems=["the ward layer is empty"])
    with pytest.raises(ProfileError, match="the ward layer is empty"):
        Locator.from_profile(broken)


def build_fails(*args, **kwargs):
    raise AssertionError("the locator was built again instead of read from the cache")


def test_from_profile_reads_the_cache_the_second_time(tmp_path, monkeypatch):
    root = write_synthetic(tmp_path)
    first = Locator.from_profile(load_profile(root))
    monkeypatch.setattr(Locator, "_build_grid", build_fails)
    again = Locator.from_profile(load_profile(root))
    assert again.profile.path == load_profile(root).path
    assert again.locate(X0 + 0.02, Y0 + 0.02) == first.locate(X0 + 0.02, Y0 + 0.02)
    # a second profile in the same cache directory does not take the first one's entry
    (tmp_path / "other").mkdir()
    other = write_synthetic(tmp_path / "other")
    (other / "profile.toml").write_text((other / "profile.toml").read_text().replace(
        'name = "City of Testville"', 'name = "City of Otherville"'))
    monkeypatch.undo()
    moved = Locator.from_profile(load_profile(other), cache_dir=root / ".geo311-cache")
    assert moved.locate(X0 + 0.01, Y0 + 0.01)["jurisdiction"]["name"] == "City of Otherville"
    monkeypatch.setattr(Locator, "_build_grid", build_fails)
    assert Locator.from_profile(load_profile(root)).profile.jurisdiction.name == (
        "City of Testville")


def edit(root, old: str, new: str) -> None:
    toml = root / "profile.toml"
    text = toml.read_text()
    assert old in text
    toml.write_text(text.replace(old, new))


@pytest.mark.parametrize(("old", "new", "check"), [
    ('phone = "311"', 'phone = "311"\nmetric_crs = "EPSG:3857"',
     lambda loc: loc.locate(X0 + 0.02, Y0 + 0.05)["nearest_agency"]["distance_m"] > 1400),
    ('id_field = "ward"', 'id_field = "ward"\n\n[locate]\nnear_boundary_m = 75',
     lambda loc: loc.tolerance_m == 75),
    ('id_field = "ward"', 'id_field = "ward"\n\n[locate]\ngrid_cell_m = 50',
     lambda loc: loc.grid.nx < 300),
    ('id_field = "ward"', 'id_field = "ward"\n\n[locate]\ngrid_max_cells = 1000',
     lambda loc: loc.grid.nx * loc.grid.ny <= 1000),
    ("(555) 555-0101", "(555) 555-0199",
     lambda loc: loc.locate(X0 + 0.02, Y0 + 0.02)["agency"]["phone"] == "(555) 555-0199"),
])
def test_the_locator_cache_misses_when_a_setting_or_agency_changes(tmp_path, old, new, check):
    root = write_synthetic(tmp_path)
    Locator.from_profile(load_profile(root))
    if "0101" in old:  # the phone is in the neighbor layer, not the profile
        places = gpd.read_file(root / "places.geojson")
        places["phone"] = places["phone"].replace(old, new)
        places.to_file(root / "places.geojson")
    else:
        edit(root, old, new)
    cached = Locator.from_profile(load_profile(root))
    assert check(cached)
    fresh = Locator(load_profile(root))
    assert cached.grid == fresh.grid
    for x, y in ((X0 + 0.02, Y0 + 0.05), (X0 + 0.001, Y0 + 0.01), (X0 - 0.05, Y0 + 0.1)):
        assert cached.locate(x, y) == fresh.locate(x, y)


def test_the_locator_cache_misses_when_only_ids_or_only_names_change(tmp_path):
    root = write_synthetic(tmp_path)
    wards = gpd.read_file(root / "wards.gpkg")
    wards["code"] = ["w1", "w2"]
    wards.to_file(root / "wards.gpkg", driver="GPKG")
    edit(root, 'id_field = "ward"', 'id_field = "code"\nname_field = "ward"')
    west = (X0 + 0.005, Y0 + 0.005)
    assert Locator.from_profile(load_profile(root)).locate(*west)["districts"]["ward"] == {
        "id": "w1", "name": "1"}
    wards["code"] = ["c1", "c2"]
    wards.to_file(root / "wards.gpkg", driver="GPKG")
    assert Locator.from_profile(load_profile(root)).locate(*west)["districts"]["ward"] == {
        "id": "c1", "name": "1"}
    wards["ward"] = ["West", "East"]
    wards.to_file(root / "wards.gpkg", driver="GPKG")
    assert Locator.from_profile(load_profile(root)).locate(*west)["districts"]["ward"] == {
        "id": "c1", "name": "West"}


def test_layer_codes_beyond_int32_are_combined_without_overflow(tmp_path):
    """Four more district layers of 66 features: the cell codes need more than 31 bits."""
    from shapely.geometry import box

    root = write_synthetic(tmp_path)
    counts = []
    for k in range(4):
        tiny = [box(X0 + i * 4e-4, Y0 - 0.01 - k * 1e-3, X0 + i * 4e-4 + 2e-4,
                    Y0 - 0.0098 - k * 1e-3) for i in range(65)]
        layer = gpd.GeoDataFrame({"code": [f"d{k}-{i}" for i in range(66)]},
                                 geometry=[box(X0 - 0.001, Y0 - 0.001, X0 + 0.041, Y0 + 0.041),
                                           *tiny], crs="EPSG:4326")
        layer.to_file(root / f"layer{k}.geojson")
        counts.append(len(layer))
        with (root / "profile.toml").open("a") as toml:
            toml.write(f'\n[[districts]]\nkey = "layer{k}"\nlabel = "L{k}"\n'
                       f'layer = "layer{k}.geojson"\nid_field = "code"\n')
    profile = load_profile(root)
    sizes = [3, len(profile.neighbors) + 2, 2 + 2] + [n + 2 for n in counts] + [2]
    product = int(np.prod(sizes, dtype=object))
    assert 2**31 <= product < 2**32  # past int32, within uint32: the case the key type is for
    locator, oracle = Locator(profile), Oracle(profile)
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.uniform(X0 - 0.01, X0 + 0.05, 300), X0 + np.arange(65) * 4e-4 + 1e-4])
    y = np.concatenate([rng.uniform(Y0 - 0.02, Y0 + 0.05, 300), np.full(65, Y0 - 0.0099)])
    many = locator.locate_many(x, y).to_frame()
    for i in range(len(x)):
        want = oracle.answer(float(x[i]), float(y[i]))
        got = many.iloc[i]
        assert bool(got["in_jurisdiction"]) == want["in_jurisdiction"], i
        for key, value in want["districts"].items():
            assert got[f"{key}_id"] == (value["id"] if value else None), (i, key)


def test_the_edges_of_the_coordinate_range_are_answered_and_beyond_them_named(case):
    locator = case[0]
    for lon, lat in ((-180.0, 40.0), (180.0, 90.0), (-100.0, 90.0), (-100.0, -90.0)):
        answer = locator.locate(lon, lat)
        assert answer["in_jurisdiction"] is False and answer["agency"] is None
        assert answer["jurisdiction"] == {"id": "testville", "name": "City of Testville"}
    for lon, lat, message in ((-180.5, 40.0, "longitude out of range"),
                              (180.5, 40.0, "longitude out of range"),
                              (-100.0, 90.5, "latitude out of range"),
                              (-100.0, -90.5, "latitude out of range"),
                              ("east", 40.0, "coordinates must be numbers")):
        with pytest.raises(InputError, match=message) as info:
            locator.locate(lon, lat)
        assert info.value.details == {"lon": lon, "lat": lat}
    with pytest.raises(InputError, match=r"^\(180.0, 0.0\) is too far from City of Testville "
                                         r"to measure distances in the profile's metric CRS "
                                         r"\(EPSG:32614\)$") as info:
        locator.locate(180.0, 0.0)
    assert info.value.details == {"lon": 180.0, "lat": 0.0}


def test_a_profile_with_problems_names_them_all(tmp_path):
    import dataclasses

    profile = load_profile(write_synthetic(tmp_path))
    broken = dataclasses.replace(profile, problems=["ward layer empty", "no boundary"])
    with pytest.raises(ProfileError, match=r"profile.toml: cannot locate with this profile: "
                                           r"ward layer empty; no boundary$") as info:
        Locator(broken)
    assert info.value.details == {"problems": ["ward layer empty", "no boundary"]}


@pytest.mark.parametrize("settings", ["", "near_boundary_m = 200", "grid_cell_m = 30",
                                      "near_boundary_m = 500\ngrid_cell_m = 50"])
def test_the_memory_estimate_bounds_the_measured_peak(tmp_path, settings):
    """The estimate is generous (above the peak tracemalloc sees) but not absurd (< 5x)."""
    import tracemalloc

    root = write_synthetic(tmp_path)
    toml = root / "profile.toml"
    toml.write_text(toml.read_text() + f"\n[locate]\n{settings}\nmax_memory_mb = 1\n")
    with pytest.raises(ProfileError) as info:
        Locator(load_profile(root))
    estimate = info.value.details["needed_mb"]
    toml.write_text(toml.read_text().replace("max_memory_mb = 1", "max_memory_mb = 4096"))
    profile = load_profile(root)
    tracemalloc.start()
    try:
        Locator(profile)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    assert peak <= estimate <= 5 * peak


def test_near_boundary_at_corners_counts_city_and_districts_not_neighbors(case):
    """Points diagonal to the city's corners, and along a neighbor edge past a corner."""
    locator, oracle, _ = case
    m = 1 / 85_000  # about a metre of longitude here (latitude: 1 / 111_000)
    x, y = [], []
    for cx, cy, sx, sy in ((X0, Y0, -1, -1), (X0 + 0.04, Y0, 1, -1), (X0, Y0 + 0.04, -1, 1),
                           (X0 + 0.04, Y0 + 0.04, 1, 1)):
        for d in np.linspace(18.0, 29.0, 12):  # 45 degrees out of the corner, within 30 m
            x.append(cx + sx * d / np.sqrt(2) * m)
            y.append(cy + sy * d / np.sqrt(2) / 111_000)
    for d in np.linspace(31.0, 45.0, 15):  # the county's edge north of the city's NW corner
        x.append(X0 + 2 * m)
        y.append(Y0 + 0.04 + d / 111_000)
    many = locator.locate_many(np.array(x), np.array(y))
    want = [oracle.answer(a, b)["near_boundary"] for a, b in zip(x, y, strict=True)]
    assert many.near_boundary.tolist() == want
    assert sum(want) == 48 and not any(want[48:])


def test_a_wide_near_boundary_band_flags_what_the_oracle_flags(tmp_path):
    # a 500 m band spans ~50 grid cells: the band's dilation must reach diagonally past corners
    root = write_synthetic(tmp_path)
    edit(root, 'id_field = "ward"', 'id_field = "ward"\n\n[locate]\nnear_boundary_m = 500')
    profile = load_profile(root)
    locator, oracle = Locator(profile), Oracle(profile)
    x, y = sample_points(oracle, 400, 1_200, seed=16)
    want = np.array([oracle.answer(a, b)["near_boundary"] for a, b in
                     zip(x.tolist(), y.tolist(), strict=True)])
    got = locator.locate_many(x, y).near_boundary
    assert 100 < want.sum() < len(want) - 100  # both sides of the band are sampled
    assert np.flatnonzero(got != want).tolist() == []
