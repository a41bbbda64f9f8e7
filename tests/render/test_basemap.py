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


def test_the_limits_in_a_box_are_the_city_and_the_neighbors_reaching_into_it(demo_dir):
    """Oracle: the city and the neighbor polygons of the layer files (geopandas); each label
    point lies in the box and in its own polygon, each outline on its polygon's edge."""
    import pandas as pd

    profile = load_profile(demo_dir)
    basemap = Basemap.from_profile(profile)
    city = gpd.read_file(demo_dir / "city.geojson").to_crs("EPSG:4326")
    places = gpd.read_file(demo_dir / "places.geojson").to_crs("EPSG:4326")
    contacts = pd.read_csv(demo_dir / "contacts.csv", dtype=str).set_index("id")["name"]
    places["name"] = places["slug"].map(contacts).fillna(places["name"])
    shapes = pd.concat([city[["name", "geometry"]], places[["name", "geometry"]]])
    west, south, east, north = city.total_bounds
    for box in ((west - 0.01, south - 0.01, west + 0.02, south + 0.02), tuple(city.total_bounds),
                (west + 0.01, south + 0.01, west + 0.011, south + 0.011)):
        reaching = shapes[shapes.intersects(shapely.box(*box))]
        got = basemap.limit_features(box)["features"]
        assert sorted(f["properties"]["name"] for f in got) == sorted(reaching["name"])
        for feature in got:
            own = reaching[reaching["name"] == feature["properties"]["name"]].union_all()
            label = shapely.Point(feature["properties"]["label"])
            assert shapely.box(*box).buffer(1e-5).contains(label)
            assert own.buffer(1e-5).contains(label)
            outline = shapely.from_geojson(json.dumps(feature["geometry"]))
            assert shapely.hausdorff_distance(outline, own.boundary) < 1e-4


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
    assert "Streets" in page and "Water" in page
    assert page.index("Kessler River") < page.index("Riverside Dr")  # under the streets
    for name in set(lines["FULLNAME"]):  # every street goes in, once, with its name
        assert page.count(f'"name": {json.dumps(name)}') == 1, name
    assert "http://" not in page.replace("http://www.w3.org", "")
    assert "L.tileLayer" not in page  # no tiles without [maps] tiles or --tiles


def test_cli_maps_take_tiles_from_the_profile(demo_dir):
    from dataclasses import replace

    from geo311.city import City
    from geo311.hotspots.analysis import analyze
    from geo311.service.requests import RequestFilter

    url = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    profile = load_profile(demo_dir)
    profile = replace(profile, maps=replace(profile.maps, tiles=url,
                                            tiles_attribution="Example Tiles"))
    city = City.open(profile)
    requests = city.load_requests(RequestFilter(types=["GRAFFITI"]))
    page = hotspot_map(analyze(requests, city.locator, by="ward", method="counts"), requests,
                       city.locator)
    assert json.dumps(url) in page and "Example Tiles" in page


def test_the_basemap_draws_the_profiles_water(demo_dir):
    water = gpd.read_file(demo_dir / "water.geojson").to_crs("EPSG:4326")
    basemap = Basemap.from_profile(load_profile(demo_dir))
    got = basemap.water_features()["features"]
    assert sorted(f["properties"]["name"] for f in got) == sorted(water["name"])
    for feature in got:  # the shape itself, simplified by ~5 m at most
        shape = shapely.from_geojson(json.dumps(feature["geometry"]))
        truth = water.loc[water["name"] == feature["properties"]["name"], "geometry"].iloc[0]
        assert shapely.hausdorff_distance(shape, truth) < 1e-4
    river = water.loc[water["kind"] == "river", "geometry"].iloc[0]
    x, y = river.representative_point().coords[0]
    box = (x - 0.001, y - 0.001, x + 0.001, y + 0.001)
    expected = water[water.intersects(shapely.box(*box))]["name"]
    assert [f["properties"]["name"] for f in basemap.water_features(box)["features"]] == \
        list(expected)


def test_the_demo_river_runs_beside_riverside_dr_clear_of_lots_and_cross_streets(demo_dir):
    import pandas as pd

    water = gpd.read_file(demo_dir / "water.geojson").to_crs("EPSG:32611")
    river = water.loc[water["kind"] == "river", "geometry"].iloc[0]
    lines = gpd.read_file(demo_dir / "streets.gpkg").to_crs("EPSG:32611")
    drive = lines[lines["FULLNAME"] == "Riverside Dr"]
    assert not drive.intersects(river).any()
    assert drive.distance(river).max() < 20  # alongside it, all the way
    crossing = lines[lines.intersects(river)]
    # bridges of the north-south streets and the diagonals; no east-west street crosses it
    assert len(crossing) > 10 and not crossing["PREDIR"].isin(["E", "W"]).any()
    points = pd.read_csv(demo_dir / "address_points.csv")
    lots = gpd.GeoSeries(gpd.points_from_xy(points["Longitude"], points["Latitude"]),
                         crs="EPSG:4326").to_crs("EPSG:32611")
    assert not lots.intersects(water.union_all()).any()


def test_water_is_drawn_only_when_the_profile_names_it(demo_dir, tmp_path):
    for item in demo_dir.iterdir():
        if item.name != "profile.toml":
            (tmp_path / item.name).symlink_to(item)
    text = (demo_dir / "profile.toml").read_text()
    assert 'water = "water.geojson"\n' in text
    (tmp_path / "profile.toml").write_text(text.replace('water = "water.geojson"\n', ""))
    assert len(Basemap.from_profile(load_profile(tmp_path)).water) == 0
