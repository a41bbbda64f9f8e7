"""Claims about the generated demo region (``demo_dir`` is generated once per session)."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Polygon

from geo311.demo import generate_demo
from geo311.demo.names import ordinal_words

CITY_ID = "rivergate"
ERRORS = {"typo", "suffix", "directional", "ordinal"}
FILES = {
    "profile.toml", "README.md", "city.geojson", "places.geojson", "contacts.csv",
    "wards.geojson", "police.geojson", "sanitation.gpkg", "streets.gpkg",
    "address_points.csv", "aliases.csv", "service_catalog.csv", "staffing.csv",
    "requests.csv", "requests_truth.csv", "hotspots_truth.json", "service_definitions.json",
    "water.geojson",
}


@pytest.fixture(scope="module")
def city(demo_dir: Path) -> Polygon:
    frame = gpd.read_file(demo_dir / "city.geojson")
    assert len(frame) == 1
    return frame.geometry.iloc[0]


@pytest.fixture(scope="module")
def places(demo_dir: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(demo_dir / "places.geojson")


@pytest.fixture(scope="module")
def addresses(demo_dir: Path) -> pd.DataFrame:
    return pd.read_csv(demo_dir / "address_points.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def streets(demo_dir: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(demo_dir / "streets.gpkg", layer="streets")


@pytest.fixture(scope="module")
def requests(demo_dir: Path) -> pd.DataFrame:
    frame = pd.read_csv(demo_dir / "requests.csv", dtype={"zipcode": str}, keep_default_na=False,
                        na_values={"lon": [""], "lat": [""]})
    truth = pd.read_csv(demo_dir / "requests_truth.csv", dtype=str, keep_default_na=False)
    assert (frame["service_request_id"] == truth["service_request_id"]).all()
    frame["time"] = pd.to_datetime(frame["requested_datetime"].str[:19])
    return frame.join(truth.drop(columns="service_request_id"))


def _inside(geom: shapely.Geometry, lon: pd.Series, lat: pd.Series) -> np.ndarray:
    shapely.prepare(geom)
    return shapely.contains_xy(geom, lon.to_numpy(float), lat.to_numpy(float))


def test_all_files_written(demo_dir: Path) -> None:
    assert {p.name for p in demo_dir.iterdir()} >= FILES


def test_counts(demo_dir: Path, places: gpd.GeoDataFrame, addresses: pd.DataFrame,
                requests: pd.DataFrame) -> None:
    assert len(gpd.read_file(demo_dir / "wards.geojson")) >= 9
    assert len(gpd.read_file(demo_dir / "police.geojson")) >= 3
    assert len(gpd.read_file(demo_dir / "sanitation.gpkg", layer="sanitation")) >= 4
    assert len(places) >= 7  # enclave + >= 5 neighbors + county area
    assert len(addresses) >= 20_000
    assert len(pd.read_csv(demo_dir / "service_catalog.csv")) >= 12
    assert len(requests) >= 100_000
    span = requests["time"].max() - requests["time"].min()
    assert span >= pd.Timedelta(days=729)


def test_city_area_and_single_hole(city: Polygon) -> None:
    assert city.geom_type == "Polygon"
    assert len(city.interiors) == 1
    area_km2 = gpd.GeoSeries([city], crs=4326).to_crs(32611).area.iloc[0] / 1e6
    assert 40 <= area_km2 <= 150


@pytest.mark.parametrize(
    "name", ["city.geojson", "places.geojson", "wards.geojson", "police.geojson",
             "sanitation.gpkg", "streets.gpkg"],
)
def test_geometries_valid(demo_dir: Path, name: str) -> None:
    frame = gpd.read_file(demo_dir / name)
    assert shapely.is_valid(frame.geometry.values).all()
    assert not frame.geometry.is_empty.any()


def test_enclave_fills_the_hole(city: Polygon, places: gpd.GeoDataFrame) -> None:
    hole = Polygon(city.interiors[0])
    inside = places[places.geometry.within(hole.buffer(1e-9))]
    assert len(inside) == 1
    enclave = inside.geometry.iloc[0]
    assert inside["type"].iloc[0] == "city"
    assert shapely.equals(enclave, hole)
    assert shapely.symmetric_difference(enclave, hole).area <= 1e-12 * hole.area


@pytest.mark.parametrize("name", ["wards.geojson", "police.geojson"])
def test_districts_tile_the_city(demo_dir: Path, city: Polygon, name: str) -> None:
    tiles = gpd.read_file(demo_dir / name).geometry.values
    union = shapely.union_all(tiles)
    assert shapely.area(tiles).sum() == pytest.approx(city.area, rel=1e-9)
    assert shapely.symmetric_difference(union, city).area < 1e-9 * city.area


def test_sanitation_is_projected_and_tiles_the_city(demo_dir: Path, city: Polygon) -> None:
    path = demo_dir / "sanitation.gpkg"
    assert [layer[0] for layer in pyogrio.list_layers(path)] == ["sanitation"]
    areas = gpd.read_file(path, layer="sanitation")
    assert areas.crs.is_projected
    assert areas.crs.to_epsg() in (32611, 2229)
    assert {"area_id", "name", "collection_day"} <= set(areas.columns)
    city_m = gpd.GeoSeries([city], crs=4326).to_crs(areas.crs).iloc[0]
    assert areas.area.sum() == pytest.approx(city_m.area, rel=1e-6)
    assert shapely.symmetric_difference(shapely.union_all(areas.geometry.values), city_m).area \
        < 1e-6 * city_m.area


def test_wards_fields(demo_dir: Path) -> None:
    wards = gpd.read_file(demo_dir / "wards.geojson")
    assert list(wards["ward"]) == [str(i) for i in range(1, len(wards) + 1)]
    assert (wards["name"] == "Ward " + wards["ward"]).all()
    assert wards["council_member"].str.len().gt(0).all()
    assert (wards["population"] > 0).all()
    police = gpd.read_file(demo_dir / "police.geojson")
    assert {"division", "name", "phone", "address"} <= set(police.columns)
    assert police["division"].is_unique


def test_places_layer(places: gpd.GeoDataFrame) -> None:
    assert set(places["type"]) == {"city", "county-area"}
    assert (places["type"] == "county-area").sum() == 1
    assert CITY_ID not in set(places["slug"])
    assert places["slug"].is_unique
    phones = places["phone"][places["phone"] != ""]
    assert phones.str.fullmatch(r"\(559\) 555-01\d\d").all()
    assert (places["phone"] == "").sum() == 1  # filled from contacts.csv
    assert (places["url"] == "https://" + places["slug"] + ".example.gov").all()
    assert (places.geometry.geom_type == "MultiPolygon").sum() >= 1


def test_contacts_fill_the_empty_phone(demo_dir: Path, places: gpd.GeoDataFrame) -> None:
    contacts = pd.read_csv(demo_dir / "contacts.csv", dtype=str)
    assert list(contacts.columns) == ["id", "name", "phone", "url"]
    empty = places.loc[places["phone"] == "", "slug"].iloc[0]
    assert empty in set(contacts["id"])
    assert set(contacts["id"]) <= set(places["slug"])


def test_neighbors_share_the_city_edges(city: Polygon, places: gpd.GeoDataFrame) -> None:
    outer = Polygon(city.exterior)
    touching = 0
    for geom in places.geometry:
        assert shapely.intersection(geom, city).area <= 1e-12 * geom.area
        if shapely.intersection(geom.boundary, city.exterior).length > 0:
            touching += 1
    assert touching >= 5
    cover = shapely.union_all(places.geometry.values)
    shared = shapely.intersection(city.exterior, cover.buffer(1e-7)).length
    assert shared / city.exterior.length > 0.8
    enclave = Polygon(city.interiors[0])
    assert shapely.intersection(outer, cover).area == pytest.approx(enclave.area, rel=1e-9)


def test_one_deliberate_overlap_between_neighbors(city: Polygon,
                                                  places: gpd.GeoDataFrame) -> None:
    geoms = list(places.geometry)
    overlapping = [
        (places["slug"][i], places["slug"][j])
        for i in range(len(geoms)) for j in range(i + 1, len(geoms))
        if shapely.intersection(geoms[i], geoms[j]).area > 1e-9
    ]
    assert len(overlapping) == 1


def test_some_points_have_no_agency(city: Polygon, places: gpd.GeoDataFrame,
                                    addresses: pd.DataFrame) -> None:
    nowhere = addresses[addresses["jurisdiction"] == ""]
    assert len(nowhere) > 0
    lon, lat = nowhere["Longitude"], nowhere["Latitude"]
    for geom in [city, *places.geometry]:
        assert not _inside(geom, lon, lat).any()


def test_jurisdiction_agrees_with_point_in_polygon(city: Polygon, places: gpd.GeoDataFrame,
                                                  addresses: pd.DataFrame) -> None:
    lon, lat = addresses["Longitude"], addresses["Latitude"]
    stored = addresses["jurisdiction"].to_numpy()
    in_city = _inside(city, lon, lat)
    assert (in_city == (stored == CITY_ID)).all()
    covered = in_city.copy()
    for slug, geom in zip(places["slug"], places.geometry, strict=True):
        inside = _inside(geom, lon, lat)
        assert inside[stored == slug].all()
        covered |= inside
    assert (covered == (stored != "")).all()
    counts = pd.Series(stored).value_counts()
    assert counts[CITY_ID] > 10_000
    assert (counts.drop(CITY_ID, errors="ignore").drop("", errors="ignore") > 100).sum() >= 6


def test_address_fields(addresses: pd.DataFrame) -> None:
    assert list(addresses.columns) == [
        "address_id", "HouseNumber", "Direction", "StreetName", "Suffix", "Unit", "ZipCode",
        "Longitude", "Latitude", "Address", "jurisdiction",
    ]
    assert addresses["address_id"].is_unique
    assert addresses["ZipCode"].str.fullmatch(r"\d{5}").all()
    line = (addresses["HouseNumber"] + " " + addresses["Direction"] + " "
            + addresses["StreetName"] + " " + addresses["Suffix"] + " " + addresses["Unit"])
    assert (line.str.split().str.join(" ") == addresses["Address"]).all()
    assert (addresses["Address"] == addresses["Address"].str.upper()).all()
    unit_share = (addresses["Unit"] != "").mean()
    assert 0.01 <= unit_share <= 0.1
    assert addresses["Unit"].str.fullmatch(r"(APT \d+|UNIT [A-Z]|STE \d00)?").all()
    key = ["HouseNumber", "Direction", "StreetName", "Suffix"]
    buildings = addresses[addresses["Unit"] != ""].groupby(key).size()
    assert (buildings > 1).all()
    assert not addresses.duplicated([*key, "Unit"]).any()


def test_address_parity_per_side(addresses: pd.DataFrame, streets: gpd.GeoDataFrame) -> None:
    """Odd numbers on the left of a segment's direction, even on the right, within range."""
    crs = 32611
    lines = streets.to_crs(crs)
    pts = gpd.GeoSeries(
        gpd.points_from_xy(addresses["Longitude"].astype(float),
                           addresses["Latitude"].astype(float)), crs=4326,
    ).to_crs(crs).values
    street_of_point = (addresses["Direction"] + " " + addresses["StreetName"] + " "
                       + addresses["Suffix"]).str.split().str.join(" ")
    street_of_line = lines["FULLNAME"].str.upper().to_numpy()
    tree = shapely.STRtree(lines.geometry.values)
    p_idx, l_idx = tree.query(pts, predicate="dwithin", distance=16.0)
    same = street_of_line[l_idx] == street_of_point.to_numpy()[p_idx]
    p_idx, l_idx = p_idx[same], l_idx[same]
    dist = shapely.distance(pts[p_idx], lines.geometry.values[l_idx])
    best = pd.DataFrame({"p": p_idx, "l": l_idx, "d": dist}).sort_values("d")
    best = best.drop_duplicates("p")
    assert len(best) >= 0.97 * len(addresses)

    line = lines.geometry.values[best["l"].to_numpy()]
    pt = pts[best["p"].to_numpy()]
    at = shapely.line_locate_point(line, pt)
    a = shapely.get_coordinates(shapely.line_interpolate_point(line, at - 0.5))
    b = shapely.get_coordinates(shapely.line_interpolate_point(line, at + 0.5))
    p = shapely.get_coordinates(pt)
    left = (b[:, 0] - a[:, 0]) * (p[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (p[:, 0] - a[:, 0]) > 0
    number = addresses["HouseNumber"].astype(int).to_numpy()[best["p"].to_numpy()]
    assert ((number % 2 == 1) == left).all()
    seg = lines.iloc[best["l"].to_numpy()]
    lo = np.where(left, seg["LFROMADD"], seg["RFROMADD"])
    hi = np.where(left, seg["LTOADD"], seg["RTOADD"])
    assert ((lo <= number) & (number <= hi)).all()
    zips = addresses["ZipCode"].to_numpy()[best["p"].to_numpy()]
    assert (zips == np.where(left, seg["ZIPL"], seg["ZIPR"])).all()
    assert (best["d"].between(9.0, 16.0)).mean() > 0.97


def test_street_fields_and_ranges(streets: gpd.GeoDataFrame) -> None:
    assert streets.crs.to_epsg() == 4326
    for field in ("FULLNAME", "PREDIR", "NAME", "SUFFIX", "LFROMADD", "LTOADD", "RFROMADD",
                  "RTOADD", "ZIPL", "ZIPR"):
        assert field in streets.columns
    assert set(streets["PREDIR"]) == {"N", "S", "E", "W", ""}
    suffixes = {"St", "Ave", "Blvd", "Dr", "Rd", "Ln", "Way", "Ct", "Pl", "Pkwy", "Ter", "Cir"}
    assert set(streets["SUFFIX"]) >= suffixes
    for field, parity in (("LFROMADD", 1), ("LTOADD", 1), ("RFROMADD", 0), ("RTOADD", 0)):
        assert (streets[field] % 2 == parity).all(), field
    assert (streets["LFROMADD"] <= streets["LTOADD"]).all()
    assert (streets["RFROMADD"] <= streets["RTOADD"]).all()
    zips = set(streets["ZIPL"]) | set(streets["ZIPR"])
    assert 3 <= len(zips) <= 6
    assert all(re.fullmatch(r"\d{5}", z) for z in zips)
    numbered = set(streets["NAME"])
    assert {f"{n}{s}" for n, s in [(1, "st"), (2, "nd"), (3, "rd"), (40, "th")]} <= numbered
    main = streets[streets["NAME"] == "Main"]
    assert set(main["PREDIR"]) == {"N", "S"}
    # A block of N Main St spans 100 numbers starting at a multiple of 100.
    assert ((main["LTOADD"] - main["LFROMADD"] == 98) | (main["LFROMADD"] % 100 == 1)).any()


def test_streets_cross_the_city_limit(city: Polygon, streets: gpd.GeoDataFrame) -> None:
    mid = shapely.line_interpolate_point(streets.geometry.values, 0.5, normalized=True)
    inside = shapely.contains(city, mid)
    names = streets["FULLNAME"]
    crossing = set(names[inside]) & set(names[~inside])
    assert len(crossing) >= 5


def test_aliases_point_at_streets(demo_dir: Path, streets: gpd.GeoDataFrame) -> None:
    aliases = pd.read_csv(demo_dir / "aliases.csv")
    assert list(aliases.columns) == ["alias", "street"]
    assert len(aliases) >= 5
    known = set(streets["NAME"] + " " + streets["SUFFIX"])
    assert set(aliases["street"]) <= known


def test_profile_references_existing_files(demo_dir: Path) -> None:
    profile = tomllib.loads((demo_dir / "profile.toml").read_text())
    assert profile["jurisdiction"]["id"] == CITY_ID
    assert profile["neighbors"]["where"] == {"type": ["city", "county-area"]}
    assert [d["key"] for d in profile["districts"]] == ["ward", "police_division",
                                                        "sanitation_area"]
    paths = [
        profile["jurisdiction"]["boundary"], profile["neighbors"]["layer"],
        profile["neighbors"]["contacts"], *[d["layer"] for d in profile["districts"]],
        profile["addresses"]["points"], profile["addresses"]["centerlines"],
        profile["addresses"]["aliases"], profile["services"]["catalog"],
        profile["services"]["staffing"], profile["requests"]["file"],
    ]
    assert all((demo_dir / p).is_file() for p in paths)
    header = pd.read_csv(demo_dir / "requests.csv", nrows=0).columns
    for key in ("id_field", "type_field", "time_field", "closed_field", "status_field",
                "address_field", "lon_field", "lat_field"):
        assert profile["requests"][key] in header


def test_catalog_and_staffing(demo_dir: Path, requests: pd.DataFrame) -> None:
    catalog = pd.read_csv(demo_dir / "service_catalog.csv")
    assert list(catalog.columns) == ["service_code", "service_name", "group", "department",
                                     "sla_days", "description", "type", "keywords",
                                     "duplicate_radius_m", "duplicate_days"]
    assert catalog["service_code"].is_unique
    assert set(requests["service_code"]) == set(catalog["service_code"])
    share = requests["service_code"].value_counts(normalize=True)
    assert set(share.index[:2]) == {"BULKY", "GRAFFITI"}
    staffing = pd.read_csv(demo_dir / "staffing.csv", dtype={"ward": str})
    wards = gpd.read_file(demo_dir / "wards.geojson")
    assert set(staffing["ward"]) == set(wards["ward"])
    assert set(staffing["department"]) == set(catalog["department"])
    even = staffing.groupby("department")["crews"].nunique()
    assert (even == 1).any()


def test_even_staffing_meets_uneven_demand(demo_dir: Path, requests: pd.DataFrame) -> None:
    catalog = pd.read_csv(demo_dir / "service_catalog.csv")
    staffing = pd.read_csv(demo_dir / "staffing.csv", dtype={"ward": str})
    even = staffing.groupby("department")["crews"].nunique()
    dept = even[even == 1].index[0]
    codes = catalog.loc[catalog["department"] == dept, "service_code"]
    wards = gpd.read_file(demo_dir / "wards.geojson")
    rows = requests[requests["service_code"].isin(codes) & requests["lon"].notna()]
    counts = np.array([_inside(w, rows["lon"], rows["lat"]).sum() for w in wards.geometry])
    share = np.sort(counts / counts.sum())[::-1]
    assert share[0] > 0.28
    assert share[1] > 0.12
    assert share[0] > 2.5 * np.median(share)


def test_request_ids_unique_and_unguessable(requests: pd.DataFrame) -> None:
    ids = requests["service_request_id"]
    assert ids.is_unique
    assert ids.str.fullmatch(r"[0-9a-f]{32}").all()
    values = np.array([int(i[:15], 16) for i in ids])
    rising = np.mean(np.diff(values) > 0)
    assert 0.4 < rising < 0.6  # file order (by time) says nothing about the ids


def test_weekly_pattern(requests: pd.DataFrame) -> None:
    daily = requests.groupby(requests["time"].dt.date).size()
    weekend = pd.to_datetime(pd.Series(daily.index)).dt.day_of_week.to_numpy() >= 5
    assert daily[weekend].mean() < 0.85 * daily[~weekend].mean()
    is_weekend = requests["time"].dt.day_of_week >= 5
    app = requests["source"].isin(["app", "web"])
    assert app[is_weekend].mean() > app[~is_weekend].mean() + 0.05
    assert set(requests["source"]) == {"phone", "web", "app"}
    hours = requests["time"].dt.hour.value_counts()
    assert hours.loc[10] > 5 * hours.loc[4]


def test_seasonal_pattern(requests: pd.DataFrame) -> None:
    month = requests["time"].dt.month
    winter, summer, spring = month.isin([12, 1, 2]), month.isin([6, 7, 8]), month.isin([3, 4, 5])
    code = requests["service_code"]
    assert ((code == "POTHOLE") & winter).sum() > 1.5 * ((code == "POTHOLE") & summer).sum()
    assert ((code == "NOISE") & summer).sum() > 1.5 * ((code == "NOISE") & winter).sum()
    autumn = month.isin([9, 10, 11])
    assert ((code == "WEEDS") & spring).sum() > 1.5 * ((code == "WEEDS") & autumn).sum()


def test_hotspots_lie_within_their_radius(demo_dir: Path, requests: pd.DataFrame,
                                          addresses: pd.DataFrame) -> None:
    spots = json.loads((demo_dir / "hotspots_truth.json").read_text())
    assert len(spots) >= 4
    assert any(s["start"] >= "2025-01-01" for s in spots)  # an emerging one
    coords = addresses.set_index("address_id")[["Longitude", "Latitude"]].astype(float)
    geod = Geod(ellps="WGS84")
    for spot in spots:
        assert 150 <= spot["radius_m"] <= 400
        rows = requests[requests["hotspot_id"] == spot["id"]]
        assert len(rows) == spot["n_requests"] > 0
        assert (rows["service_code"] == spot["service_code"]).all()
        assert (rows["in_city"] == "True").all()
        xy = coords.loc[rows["true_address_id"]]
        n = len(xy)
        _, _, dist = geod.inv(np.full(n, spot["lon"]), np.full(n, spot["lat"]),
                              xy["Longitude"].to_numpy(), xy["Latitude"].to_numpy())
        assert dist.max() <= spot["radius_m"]
        day = rows["time"].dt.strftime("%Y-%m-%d")
        assert day.min() >= spot["start"]
        assert day.max() <= spot["end"]


def test_typo_share(requests: pd.DataFrame) -> None:
    kinds = requests["perturbation"]
    assert 0.04 <= kinds.isin(ERRORS).mean() <= 0.06
    assert set(kinds) >= ERRORS
    for kind in ("typo", "suffix", "ordinal"):
        rows = requests[kinds == kind]
        assert (rows["address"].str.upper() != rows["true_address"]).all()
    clean = requests[kinds == "none"]
    assert (clean["address"].str.upper() == clean["true_address"]).all()
    assert requests["address"].str.contains(r" (?:Apt|Unit|Ste|Suite) | #", regex=True).any()
    ordinal = requests[kinds == "ordinal"]
    number = ordinal["true_address"].str.extract(r" (\d+)(?:ST|ND|RD|TH) ")[0].astype(int)
    for text, n in zip(ordinal["address"], number, strict=True):
        assert ordinal_words(n) in text


def test_outside_city_share(city: Polygon, requests: pd.DataFrame) -> None:
    located = requests[requests["lon"].notna()]
    outside = ~_inside(city, located["lon"], located["lat"])
    assert 0.03 <= outside.mean() <= 0.05
    assert ((located["in_city"] == "True") == ~outside).all()


def test_missing_coordinates_and_descriptions(requests: pd.DataFrame) -> None:
    assert 0.02 <= requests["lon"].isna().mean() <= 0.04
    assert (requests["lon"].isna() == requests["lat"].isna()).all()
    assert requests["description"].str.contains("<", regex=False).sum() >= 10


def test_status_and_durations(requests: pd.DataFrame) -> None:
    open_ = requests["status"] == "open"
    assert set(requests["status"]) == {"open", "closed"}
    assert ((requests["closed_datetime"] == "") == open_).all()
    closed = requests[~open_]
    assert (closed["closed_datetime"] > closed["requested_datetime"]).all()
    assert requests["requested_datetime"].str.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d").all()
    last_month = requests["time"] >= "2025-12-01"
    first_month = requests["time"] < "2024-02-01"
    assert open_[last_month].mean() > 3 * open_[first_month].mean()


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    summary = generate_demo(a, seed=7, n_requests=3000)
    generate_demo(b, seed=7, n_requests=3000)
    assert summary["requests"] == 3000
    names = sorted(p.name for p in a.iterdir())
    assert set(names) == FILES
    assert names == sorted(p.name for p in b.iterdir())
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
