"""The engine on real Los Angeles data, checked against the MyLA311 records' own fields."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo311.jurisdiction import Locator


def test_city_hall_is_in_council_district_14(la: Locator):
    answer = la.locate(-118.2427, 34.0537)
    assert answer["in_jurisdiction"] is True
    assert answer["agency"]["id"] == "la"
    assert answer["districts"]["council_district"]["id"] == "14"
    assert answer["districts"]["police_division"]["id"] == "Central"
    assert answer["boundary_distance_m"] > 1000


def test_gardena_point_redirects_to_gardena(la: Locator):
    answer = la.locate(-118.3090, 33.8883)
    assert answer["in_jurisdiction"] is False
    assert answer["agency"]["id"] == "gardena"
    assert all(v is None for v in answer["districts"].values())


@pytest.mark.parametrize("slug", ["gardena", "torrance", "inglewood", "culver-city", "westmont"])
def test_points_in_neighbor_cities_come_out_outside_with_that_agency(la, la_profile, slug):
    layer = la_profile.neighbor_layer
    polygon = layer.geoms[list(layer.ids).index(slug)]
    rng = np.random.default_rng(1)
    minx, miny, maxx, maxy = polygon.bounds
    x, y = rng.uniform(minx, maxx, 2000), rng.uniform(miny, maxy, 2000)
    # the LA Times layer and the 2012 council-district city boundary differ by slivers
    # (Torrance and Culver City overlap the city a little): test the neighbor's own part
    inside = shapely.contains_xy(polygon, x, y) & ~shapely.intersects_xy(la_profile.boundary, x, y)
    frame = la.locate_many(x[inside], y[inside]).to_frame()
    assert len(frame) > 100
    assert not frame["in_jurisdiction"].any()
    assert (frame["agency_id"] == slug).all()


def test_real_requests_outside_the_city_name_their_agency(la, la_requests):
    frame = la.locate_many(la_requests.Longitude, la_requests.Latitude).to_frame()
    outside = frame[~frame["in_jurisdiction"].astype(bool)]
    # 4 of 8,246 requests with coordinates lie outside the 2012 city boundary
    assert sorted(outside["agency_id"]) == ["athens", "culver-city", "gardena", "gardena"]


def test_council_district_agrees_with_the_requests_cd_field(la, la_requests):
    frame = la.locate_many(la_requests.Longitude, la_requests.Latitude).to_frame()
    ours = pd.to_numeric(frame["council_district_id"], errors="coerce")
    theirs = pd.to_numeric(la_requests["CD"], errors="coerce")
    agreement = (ours == theirs).mean()
    print(f"CD agreement {agreement:.4%} of {len(frame)}")
    assert agreement >= 0.995  # measured 99.81 %


def test_lapd_division_and_nc_agree_with_the_requests(la, la_requests):
    frame = la.locate_many(la_requests.Longitude, la_requests.Latitude).to_frame()
    police = (frame["police_division_id"].str.upper() == la_requests["PolicePrecinct"].str.upper())
    nc = pd.to_numeric(frame["neighborhood_council_id"], errors="coerce") == pd.to_numeric(
        la_requests["NC"], errors="coerce")
    print(f"LAPD agreement {police.mean():.4%}, NC agreement {nc.mean():.4%}")
    assert police.mean() >= 0.995  # measured 99.88 %
    assert nc.mean() >= 0.97  # measured 97.70 %


def smallest_covering(points: gpd.GeoDataFrame, geoms, crs) -> np.ndarray:
    """Per point, the covering polygon of smallest area (file order on ties), -1 where none.

    Written for the test: a geopandas join keeps every (point, polygon) pair, the areas are
    measured by geopandas in the profile's metric CRS, and the pairs are sorted by area.
    """
    polygons = gpd.GeoDataFrame({"fid": np.arange(len(geoms))}, geometry=list(geoms),
                                crs="EPSG:4326")
    polygons["area"] = polygons.to_crs(crs).area
    pairs = gpd.sjoin(points, polygons, predicate="intersects")  # a point on an edge belongs
    pairs = pairs.reset_index().sort_values(["index", "area", "fid"])
    best = pairs.drop_duplicates("index")
    expected = np.full(len(points), -1)
    expected[best["index"].to_numpy()] = best["fid"].to_numpy()
    return expected


@pytest.fixture(scope="module")
def la_random_points(la_profile):
    """40,000 points over LA and its neighbors, with extra points in the overlaps."""
    rng = np.random.default_rng(42)
    minx, miny, maxx, maxy = la_profile.boundary.bounds
    x, y = rng.uniform(minx - 0.05, maxx + 0.05, 30_000), rng.uniform(miny, maxy, 30_000)
    extra = []
    for layer in (la_profile.neighbor_layer, *[d.layer for d in la_profile.districts]):
        tree = shapely.STRtree(layer.geoms)
        left, right = tree.query(layer.geoms, predicate="overlaps")
        for i, j in zip(left[left < right], right[left < right], strict=True):
            overlap = shapely.intersection(layer.geoms[i], layer.geoms[j])
            if shapely.area(overlap) > 0:
                bx0, by0, bx1, by1 = overlap.bounds
                px, py = rng.uniform(bx0, bx1, 200), rng.uniform(by0, by1, 200)
                inside = shapely.contains_xy(overlap, px, py)
                extra.append(np.stack([px[inside], py[inside]]))
    more = np.concatenate(extra, axis=1) if extra else np.empty((2, 0))
    return np.concatenate([x, more[0]]), np.concatenate([y, more[1]])


def test_locate_many_equals_geopandas_sjoin_with_overlaps_resolved(la, la_profile,
                                                                    la_random_points):
    """Every district layer and the neighbors against a join, overlapping points kept."""
    x, y = la_random_points
    result = la.locate_many(x, y)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")
    overlapping = 0
    for district in la_profile.districts:
        expected = smallest_covering(points, district.layer.geoms, la_profile.metric_crs)
        np.testing.assert_array_equal(result.districts[district.key], expected,
                                      err_msg=district.key)
    neighbors = la_profile.neighbor_layer
    expected = smallest_covering(points, neighbors.geoms, la_profile.metric_crs)
    hits = gpd.sjoin(points, gpd.GeoDataFrame(geometry=list(neighbors.geoms), crs="EPSG:4326"),
                     predicate="intersects").index
    overlapping = int(hits.duplicated().sum())
    outside = ~result.in_jurisdiction
    agency_ids = np.array([a.id for a in la.agencies] + [None], dtype=object)
    neighbor_ids = np.array([*neighbors.ids, None], dtype=object)
    np.testing.assert_array_equal(agency_ids[result.agency[outside]],
                                  neighbor_ids[expected[outside]])
    print(f"{len(x)} points, {overlapping} in two neighbor polygons")
    assert overlapping > 50  # the overlaps are exercised (measured 117)


def test_near_boundary_flag_equals_brute_force_distance(la, la_requests):
    rng = np.random.default_rng(3)
    x = la_requests.Longitude.to_numpy() + rng.normal(0, 0.002, len(la_requests))
    y = la_requests.Latitude.to_numpy() + rng.normal(0, 0.002, len(la_requests))
    near = la.locate_many(x, y).near_boundary
    mx, my = la.to_metric.transform(x, y)
    edges = shapely.multilinestrings(shapely.get_parts(np.concatenate(
        [shapely.boundary(layer.metric) for layer in (la.city, *la.districts)])))
    distance = shapely.distance(edges, shapely.points(mx, my))
    np.testing.assert_array_equal(near, distance <= la.tolerance_m)
    assert 0.02 < near.mean() < 0.5


def test_grid_fast_path_equals_exact_path_on_la(la):
    grid = la.grid
    rng = np.random.default_rng(11)
    x = rng.uniform(grid.x0, grid.x0 + grid.nx * grid.dx, 200_000)
    y = rng.uniform(grid.y0, grid.y0 + grid.ny * grid.dy, 200_000)
    codes = la._combo[grid.cells(x, y)]
    for column, layer in zip(la._columns, la._layers(), strict=False):
        fast = column[codes]
        pure = fast >= -1
        assert pure.mean() > 0.97
        np.testing.assert_array_equal(fast[pure], layer.exact(x[pure], y[pure]))


def test_nearest_agency_of_uncovered_points_equals_the_polygon_distance(la, la_profile):
    # Santa Monica Bay, the ports and beyond: points that no agency covers
    rng = np.random.default_rng(5)
    x, y = rng.uniform(-118.9, -118.2, 400), rng.uniform(33.6, 34.05, 400)
    result = la.locate_many(x, y, near_boundary=False)
    uncovered = np.flatnonzero(result.agency < 0)
    assert len(uncovered) > 50
    polygons = np.concatenate([la.city.metric, la.neighbors.metric])
    ids = [la_profile.jurisdiction.id, *la.neighbors.ids]
    for i in uncovered[:60]:
        answer = la.locate(x[i], y[i])
        point = shapely.Point(*la.to_metric.transform(x[i], y[i]))
        distances = shapely.distance(polygons, point)
        assert answer["nearest_agency"]["id"] == ids[int(np.argmin(distances))]
        assert answer["nearest_agency"]["distance_m"] == pytest.approx(distances.min(), abs=0.01)
