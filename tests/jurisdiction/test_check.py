"""Profile check: coverage, gaps and overlaps on the real LA layers and on hand-made squares."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Polygon, box

from geo311.jurisdiction.check import check_profile, format_check
from geo311.profile import load_profile

X0, Y0 = 380_000.0, 3_760_000.0  # a corner in EPSG:32611 (UTM 11N), near Los Angeles


def layer(summary: dict, key: str) -> dict:
    """Return the summary entry of the layer named ``key``."""
    return next(entry for entry in summary["layers"] if entry["key"] == key)


@pytest.fixture(scope="module")
def la_check(la_profile) -> dict:
    """The check of the LA profile (``la_profile`` needs the shared data)."""
    return check_profile(la_profile)


def test_la_summary_is_json_ready(la_check):
    assert json.loads(json.dumps(la_check)) == la_check
    assert la_check["metric_crs"] == "EPSG:32611"


def test_la_jurisdiction_is_one_part_with_enclave_holes(la_check):
    city = la_check["jurisdiction"]
    print(city)
    assert city["id"] == "la" and city["phone"] == "311"
    assert 1_200 < city["area_km2"] < 1_300  # measured 1,241.9 km² in EPSG:32611
    assert city["parts"] == 1
    assert city["has_holes"] and city["holes"] >= 1  # measured 11 enclaves
    assert city["features"] == 1 and city["source_crs"] == "EPSG:4326"


def test_la_council_districts_cover_the_city_without_overlaps(la_check):
    council = layer(la_check, "council_district")
    print({k: council[k] for k in ("features", "coverage", "gaps", "overlaps", "outside_m2")})
    assert council["features"] == 15
    assert council["coverage"] >= 0.99  # measured 100.00% (the city is their union)
    assert council["overlaps"]["count"] == 0
    assert council["overlaps"]["area_m2"] < 100
    assert council["repairs"] == []


def test_la_neighbors_report_the_four_latimes_repairs(la_check):
    neighbors = layer(la_check, "neighbors")
    print(neighbors["repairs"], neighbors["overlaps"])
    assert neighbors["features"] == 204
    assert {r["id"] for r in neighbors["repairs"]} == {
        "northeast-antelope-valley",
        "ridge-route",
        "unincorporated-santa-susana-mountains",
        "placentia",
    }
    assert {r["action"] for r in neighbors["repairs"]} == {"make_valid"}
    assert 20 <= neighbors["near_city"] < 204  # measured 44 within 100 m
    assert neighbors["with_phone"] == 0 and neighbors["with_url"] == 0  # no contacts.csv
    assert len(neighbors["overlaps"]["pairs"]) <= 5


def test_la_police_divisions_nearly_cover_the_city(la_check):
    police = layer(la_check, "police_division")
    print(police["coverage"], police["gaps"], police["overlaps"]["count"])
    assert police["features"] == 21
    assert 0.995 <= police["coverage"] < 1.0  # measured 99.62%
    assert police["gaps"]["share"] == pytest.approx(1 - police["coverage"], abs=1e-6)
    assert police["overlaps"]["count"] == 0


def test_la_certified_neighborhood_councils_leave_part_of_the_city_uncovered(la_check):
    councils = layer(la_check, "neighborhood_council")
    print(councils["coverage"], councils["gaps"], councils["overlaps"]["pairs"][:3])
    assert councils["features"] == 99
    assert 0.80 < councils["coverage"] < 1.0
    assert councils["coverage"] >= 0.90  # measured 90.36%
    assert councils["overlaps"]["count"] > 0  # measured 192, largest Lake Balboa / Encino
    areas = [p["area_m2"] for p in councils["overlaps"]["pairs"]]
    assert areas == sorted(areas, reverse=True) and min(areas) > 1.0


def test_la_format_check_names_the_layers_and_coverages(la_check):
    text = format_check(la_check)
    print(text)
    for entry in la_check["layers"]:
        assert entry["key"] in text
        if "coverage" in entry:
            assert f"{100 * entry['coverage']:.2f}%" in text
    assert "placentia" in text


def _write(path: Path, geoms: list[Polygon], **columns: list) -> str:
    gpd.GeoDataFrame(columns, geometry=geoms, crs="EPSG:32611").to_file(path)
    return path.name


def _square(x: float, y: float, x2: float, y2: float) -> Polygon:
    return box(X0 + x, Y0 + y, X0 + x2, Y0 + y2)


@pytest.fixture
def squares_check(tmp_path: Path) -> dict:
    """A 1 km square city with a 100 m enclave, two district layers and four neighbors."""
    enclave = _square(200, 200, 300, 300)
    city = _square(0, 0, 1_000, 1_000).difference(enclave)
    boundary = _write(tmp_path / "city.geojson", [city])
    wards = _write(
        tmp_path / "wards.geojson",
        # A covers x 0-600; B covers x 500-1100, y 0-700 and runs 100 m past the east edge.
        [_square(0, 0, 600, 1_000), _square(500, 0, 1_100, 700)],
        ward=["A", "B"],
    )
    zones = _write(
        tmp_path / "zones.geojson",
        # Two halves whose shared edge overlaps by 0.5 mm over 1 km: a 0.5 m² sliver.
        [_square(0, 0, 500.0005, 1_000), _square(500, 0, 1_000, 1_000)],
        zone=["west", "east"],
    )
    neighbors = _write(
        tmp_path / "neighbors.geojson",
        [
            _square(1_000, 0, 2_000, 1_000),  # touches the east edge
            _square(1_900, 0, 3_000, 1_000),  # overlaps the first by 100 m x 1 km, 900 m away
            _square(-1_050, 0, -50, 1_000),  # 50 m west of the city
            _square(10_000, 0, 11_000, 1_000),  # far away
        ],
        slug=["east", "far-east", "west", "away"],
        phone=["555-0100", None, None, None],
    )
    (tmp_path / "profile.toml").write_text(
        f"""
[jurisdiction]
id = "square"
name = "Square City"
boundary = "{boundary}"
metric_crs = "EPSG:32611"

[neighbors]
layer = "{neighbors}"
id_field = "slug"
phone_field = "phone"

[[districts]]
key = "ward"
label = "Ward"
layer = "{wards}"
id_field = "ward"

[[districts]]
key = "zone"
layer = "{zones}"
id_field = "zone"
""",
        encoding="utf-8",
    )
    return check_profile(load_profile(tmp_path))


def test_square_city_area_and_enclave(squares_check):
    city = squares_check["jurisdiction"]
    assert city["area_km2"] == pytest.approx(0.99, rel=0.01)  # 1 km² less a 100 m square
    assert (city["parts"], city["holes"], city["has_holes"]) == (1, 1, True)
    assert layer(squares_check, "jurisdiction")["source_crs"] == "EPSG:32611"


def test_square_wards_overlap_gap_and_outside_areas_match_hand_computation(squares_check):
    ward = layer(squares_check, "ward")
    print(ward)
    city_m2 = 1_000_000 - 10_000
    gap_m2 = 400 * 300  # x 600-1000, y 700-1000
    assert ward["overlaps"]["count"] == 1
    pair = ward["overlaps"]["pairs"][0]
    assert (pair["a"], pair["b"]) == ("A", "B")
    assert pair["area_m2"] == pytest.approx(100 * 700, rel=0.01)  # x 500-600, y 0-700
    assert ward["gaps"]["area_m2"] == pytest.approx(gap_m2, rel=0.01)
    assert ward["gaps"]["share"] == pytest.approx(gap_m2 / city_m2, rel=0.01)
    assert ward["gaps"]["polygons"] == 1
    assert ward["coverage"] == pytest.approx(1 - gap_m2 / city_m2, rel=0.01)
    # B's 100 m x 700 m east of the city, and the enclave that A covers.
    assert ward["outside_m2"] == pytest.approx(100 * 700 + 100 * 100, rel=0.01)


def test_square_zone_sliver_is_counted_not_reported_as_overlap(squares_check):
    zone = layer(squares_check, "zone")
    assert zone["label"] == "zone"
    assert zone["overlaps"]["count"] == 0
    assert zone["overlaps"]["sliver_pairs"] == 1
    assert zone["coverage"] == pytest.approx(1.0, abs=1e-6)
    assert zone["gaps"]["polygons"] == 0


def test_square_neighbors_near_contacts_and_overlaps(squares_check):
    neighbors = layer(squares_check, "neighbors")
    assert neighbors["features"] == 4
    assert neighbors["near_city"] == 2  # "east" touches, "west" is 50 m away
    assert (neighbors["with_phone"], neighbors["with_url"]) == (1, 0)
    assert neighbors["overlaps"]["count"] == 1
    assert neighbors["overlaps"]["pairs"][0]["area_m2"] == pytest.approx(100_000, rel=0.01)
    assert neighbors["warnings"] == []


def test_square_format_check_shows_keys_and_coverage(squares_check):
    text = format_check(squares_check)
    print(text)
    for key in ("jurisdiction", "neighbors", "ward", "zone"):
        assert key in text
    assert f"{100 * (1 - 120_000 / 990_000):.2f}%" in text  # ward: 87.88%
    assert "100.00%" in text  # zone
    assert "70,000 m²" in text  # the A/B overlap pair
