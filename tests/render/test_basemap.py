"""The offline basemap: the profile's named streets and limits, checked against geopandas."""

from __future__ import annotations

import json

import geopandas as gpd
import shapely

from geo311.profile import load_profile
from geo311.render.basemap import Basemap
from geo311.render.hotspot_map import hotspot_map


def test_streets_in_a_box_are_the_centerlines_crossing_it_with_their_names(demo_dir):
    basemap = Basemap.from_profile(load_profile(demo_dir))
    lines = gpd.read_file(demo_dir / "streets.gpkg").to_crs("EPSG:4326")
    west, south, east, north = lines.total_bounds
    box = (west + (east - west) * 0.4, south + (north - south) * 0.4,
           west + (east - west) * 0.5, south + (north - south) * 0.5)
    expected = lines[lines.intersects(shapely.box(*box))]
    got = basemap.streets(box)["features"]
    assert sorted(f["properties"]["name"] for f in got) == sorted(expected["FULLNAME"])
    labels = basemap.label_points(box)
    assert [name for name, _, _ in labels] == sorted(set(expected["FULLNAME"]))
    for name, lon, lat in labels:  # each label sits on a segment of its street
        own = expected[expected["FULLNAME"] == name]
        assert shapely.distance(own.geometry.to_numpy(), shapely.Point(lon, lat)).min() < 1e-4


def test_merged_streets_cover_every_segment(demo_dir):
    basemap = Basemap.from_profile(load_profile(demo_dir))
    lines = gpd.read_file(demo_dir / "streets.gpkg").to_crs("EPSG:4326")
    merged = {f["properties"]["name"]: shapely.from_geojson(json.dumps(f["geometry"]))
              for f in basemap.merged_streets()["features"]}
    assert set(merged) == set(lines["FULLNAME"])
    for name, segment in zip(lines["FULLNAME"], lines.geometry, strict=True):
        # each segment lies along its street's merged line (simplified by ~5 m at most)
        along = shapely.points(shapely.get_coordinates(shapely.segmentize(segment, 1e-4)))
        assert shapely.distance(along, merged[name]).max() < 6e-5, name


def test_a_profile_without_centerlines_still_gets_its_limits(demo_dir, tmp_path):
    for item in demo_dir.iterdir():
        if item.name != "profile.toml":
            (tmp_path / item.name).symlink_to(item)
    text = (demo_dir / "profile.toml").read_text()
    assert 'centerlines = "streets.gpkg"\n' in text
    (tmp_path / "profile.toml").write_text(text.replace('centerlines = "streets.gpkg"\n', ""))
    profile = load_profile(tmp_path)
    basemap = Basemap.from_profile(profile)
    assert len(basemap.street_lines) == 0
    assert [name for name, _ in basemap.limits] == \
        [profile.jurisdiction.name, *(a.name for a in profile.neighbors)]


def test_cli_maps_carry_the_basemap(demo_dir):
    from geo311.city import City
    from geo311.hotspots.analysis import analyze
    from geo311.service.requests import RequestFilter

    city = City.open(demo_dir)
    requests = city.load_requests(RequestFilter(types=["GRAFFITI"]))
    page = hotspot_map(analyze(requests, city.locator, by="ward", method="counts"), requests,
                       city.locator)
    lines = gpd.read_file(demo_dir / "streets.gpkg")
    assert "Streets" in page
    for name in set(lines["FULLNAME"]):  # every street goes in, once, with its name
        assert page.count(f'"name": {json.dumps(name)}') == 1, name
    assert "http://" not in page.replace("http://www.w3.org", "")
