"""The validator where the demo requests do not take it, each answer against an oracle here.

Written against the mutants of ``address/validate.py``: district candidates of a street and
of intersections (a sjoin of the demo's own layers), ``reverse`` (a brute-force geodesic
nearest point), the redirect sentences and postal-city check (the documented sentences), and
the work the caches share (the Validator docstring: inputs read alike share the work,
locations are cached by point), counted by wrapping the parser, matcher and locator.
"""

from __future__ import annotations

import tomllib
from collections import Counter

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

import geo311.address.validate as validate_module
from geo311.address.validate import Validator, redirect_message
from geo311.errors import InputError
from geo311.profile import load_profile

GEOD = Geod(ellps="WGS84")
METRIC = "EPSG:32611"  # UTM 11N: the demo region lies in California


@pytest.fixture(scope="module")
def validator(demo_dir) -> Validator:
    return Validator(load_profile(demo_dir))


@pytest.fixture(scope="module")
def points(demo_dir) -> pd.DataFrame:
    return pd.read_csv(demo_dir / "address_points.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def layers(demo_dir) -> dict[str, gpd.GeoDataFrame]:
    """Each district layer of the demo profile, read here: (id, name, position, geometry)."""
    table = tomllib.loads((demo_dir / "profile.toml").read_text())
    out = {}
    for layer in table["districts"]:
        frame = gpd.read_file(demo_dir / layer["layer"]).to_crs(4326)
        out[layer["key"]] = gpd.GeoDataFrame(
            {"id": frame[layer["id_field"]].astype(str), "name": frame[layer["name_field"]],
             "position": range(len(frame))}, geometry=frame.geometry, crs=4326)
    return out


def shares(lonlat: np.ndarray, layer: gpd.GeoDataFrame) -> list[dict]:
    """The districts of ``layer`` the points fall in, with their share, most first."""
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lonlat[:, 0], lonlat[:, 1]), crs=4326)
    joined = gpd.sjoin(pts, layer, how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]
    counts = Counter(zip(joined.position.fillna(-1).astype(int), joined.id, joined.name,
                         strict=True))
    total = len(lonlat)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
    return [{"id": None if pos < 0 else ident, "name": None if pos < 0 else name,
             "probability": round(n / total, 3)} for (pos, ident, name), n in ranked]


# -- district candidates ---------------------------------------------------------------------

def test_a_street_without_a_number_has_each_layers_districts_of_its_points(validator, points,
                                                                           layers):
    answer = validator.validate("E Sonora Dr")
    street = points[(points.Direction == "E") & (points.StreetName == "SONORA")
                    & (points.Suffix == "DR")]
    lonlat = street[["Longitude", "Latitude"]].astype(float).to_numpy()
    assert answer["status"] == "approximate" and answer["address"] == "E SONORA DR"
    expected = {key: shares(lonlat, layer) for key, layer in layers.items()}
    assert answer["district_candidates"] == expected
    assert len(expected["ward"]) >= 3  # the street crosses wards (and leaves the city)
    assert answer["district_certain"] is False


def _node(streets: gpd.GeoDataFrame, first: str, second: str) -> shapely.Point:
    """The end point both streets' centrelines share."""
    def ends(name: str) -> set[tuple[float, float]]:
        lines = streets[streets.FULLNAME == name].geometry
        return {tuple(np.round(c, 7)) for line in lines
                for c in shapely.get_coordinates(line)[[0, -1]]}
    shared = ends(first) & ends(second)
    assert len(shared) == 1
    return shapely.Point(shared.pop())


@pytest.fixture(scope="module")
def streets(demo_dir) -> gpd.GeoDataFrame:
    return gpd.read_file(demo_dir / "streets.gpkg").to_crs(4326)


@pytest.mark.parametrize("first, second", [("N Portola Ct", "W 14th Ave"),
                                           ("E 2nd Ave", "N 23rd St")])
def test_an_intersection_on_a_ward_line_is_approximate_with_both_wards(validator, streets,
                                                                       layers, first, second):
    node = _node(streets, first, second)
    wards = layers["ward"].to_crs(METRIC)
    here = gpd.GeoSeries([node], crs=4326).to_crs(METRIC).iloc[0]
    touching = set(wards.id[wards.distance(here) < 1.0])
    within_reach = set(wards.id[wards.distance(here) <= 15.0])
    assert len(touching) == 2  # the node lies on the line between two wards

    answer = validator.validate(f"{first} & {second}")
    assert answer["match_type"] == "intersection"
    assert GEOD.inv(answer["lon"], answer["lat"], node.x, node.y)[2] < 1.0
    assert answer["status"] == "approximate"  # not "valid": the ward is not certain
    assert answer["district_certain"] is False
    assert answer["address"] is not None and answer["location"] is not None
    ward = answer["district_candidates"]["ward"]
    assert touching <= {c["id"] for c in ward} <= within_reach
    probabilities = [c["probability"] for c in ward]
    assert probabilities == sorted(probabilities, reverse=True)
    assert sum(probabilities) == pytest.approx(1.0, abs=0.002)


def test_an_intersection_inside_one_district_of_each_layer_is_valid_and_certain(
        validator, streets, layers):
    node = _node(streets, "S Kings St", "W Sparrow Blvd")
    answer = validator.validate("S Kings St & W Sparrow Blvd")
    assert (answer["status"], answer["match_type"]) == ("valid", "intersection")
    assert answer["district_certain"] is True
    here = np.array([[node.x, node.y]])
    for key, layer in layers.items():
        far = layer.to_crs(METRIC).boundary.distance(
            gpd.GeoSeries([node], crs=4326).to_crs(METRIC).iloc[0]).min()
        assert far > 100  # every sample of the place falls in the node's district
        assert answer["district_candidates"][key] == shares(here, layer)
        assert answer["location"]["districts"][key]["id"] == shares(here, layer)[0]["id"]


# -- reverse ---------------------------------------------------------------------------------

def test_reverse_names_the_geodesically_nearest_point_and_its_distance(validator, points):
    plain = points[points.Unit == ""]
    row = plain.iloc[2000]
    lon, lat = float(row.Longitude), float(row.Latitude) + 6e-5  # about 6.7 m north
    lons, lats = points.Longitude.astype(float), points.Latitude.astype(float)
    distances = GEOD.inv(np.full(len(points), lon), np.full(len(points), lat), lons, lats)[2]
    nearest = int(np.argmin(distances))

    answer = validator.reverse(lon, lat)
    assert set(answer) == {"lon", "lat", "address", "distance_m", "location"}
    assert answer["address"] == points.Address.iloc[nearest]
    assert (answer["lon"], answer["lat"]) == (lon, lat)
    assert answer["distance_m"] == pytest.approx(distances[nearest], abs=0.02)
    assert answer["distance_m"] == round(answer["distance_m"], 2) != round(answer["distance_m"])
    assert answer["location"] == validator.locator.locate(lon, lat)


# -- the redirect sentence and the postal city -----------------------------------------------

@pytest.mark.parametrize("jurisdiction, agency, nearest, expected", [
    ("Town of Ely", {"name": "Ely County", "phone": None, "url": "https://ely.example"}, None,
     "1 A ST is not in the Town of Ely. It is served by Ely County: https://ely.example."),
    ("VILLAGE OF ELY", {"name": "Ely County", "phone": "311", "url": "u"}, None,
     "1 A ST is not in the VILLAGE OF ELY. It is served by Ely County: 311, u."),
    ("Ely", {"name": "Ely County", "phone": "", "url": None}, None,
     "1 A ST is not in Ely. It is served by Ely County."),
    ("county of Ely", None, None,
     "1 A ST is not in the county of Ely, and no agency we know of serves it."),
    ("Borough of Ely", None, {"name": "Gap", "phone": None, "url": None, "distance_m": 25100.4},
     "1 A ST is not in the Borough of Ely, and no agency we know of serves it. "
     "The nearest is Gap, 25,100 m away."),
    ("City of Ely", None, {"name": "Gap", "phone": None, "url": "https://gap", "distance_m": 9.6},
     "1 A ST is not in the City of Ely, and no agency we know of serves it. "
     "The nearest is Gap, 10 m away: https://gap."),
    ("Elytown of", None, {"name": "Gap", "phone": "5", "url": "w", "distance_m": 1e6},
     "1 A ST is not in Elytown of, and no agency we know of serves it. "
     "The nearest is Gap, 1,000,000 m away: 5, w."),
])
def test_redirect_message_says_each_case_in_its_sentence(jurisdiction, agency, nearest,
                                                         expected):
    assert redirect_message("1 A ST", jurisdiction, agency, nearest) == expected


# -- the work the caches share ---------------------------------------------------------------

def _counting(calls: Counter, name: str, function):
    def counted(*args, **kwargs):
        calls[name] += 1
        return function(*args, **kwargs)
    return counted


def test_inputs_read_alike_share_one_parse_one_match_and_one_location(validator, monkeypatch):
    """The Validator's promise: answers cached by the exact input, by what the parser's fast
    path reads (case and spacing aside) and by what was understood; locations by point.
    Every answer is also the one a validator without caches gives."""
    fresh = Validator(validator.profile, reference=validator.reference,
                      locator=validator.locator)
    calls: Counter = Counter()
    monkeypatch.setattr(validate_module, "parse_uncached_how",
                        _counting(calls, "parse", validate_module.parse_uncached_how))
    monkeypatch.setattr(fresh.matcher, "match", _counting(calls, "match", fresh.matcher.match))
    monkeypatch.setattr(fresh.locator, "locate", _counting(calls, "locate",
                                                           fresh.locator.locate))

    def work(step) -> dict:
        calls.clear()
        answers = step()
        counted = dict(calls)
        for answer in answers:
            alone = Validator(validator.profile, reference=validator.reference,
                              locator=validator.locator).validate(answer["input"])
            assert answer == alone, answer["input"]
        return counted

    corner = "S Kings St & W Sparrow Blvd"  # ASCII, but not read by the fast path
    # one chunk: "6495 s lemon ave" is read; its other spacing shares that reading (no
    # parse); "South ... Avenue" is read into the same address (no match); the corner too
    assert work(lambda: fresh.validate_many(
        ["6495 s lemon ave", " 6495 S  LEMON AVE", "6495 South Lemon Avenue", corner,
         "6495 s lemon ave"])) == {"parse": 3, "match": 2, "locate": 2}
    # later calls: an exact input again, another spacing of a fast-read one: no work
    assert work(lambda: fresh.validate_many(
        ["6495 SOUTH LEMON  AVENUE", "6495 s lemon ave", corner])) == {}
    assert work(lambda: [fresh.validate("6495 s LEMON ave"), fresh.validate(corner)]) == {}
    # the corner in other spacing is read again (the fast path did not read it), and a new
    # spelling of the address is read, but neither is matched or located again
    assert work(lambda: fresh.validate_many(["S Kings St  &  W Sparrow Blvd",
                                             "6495 S. Lemon Avenue"])) == {"parse": 2}
    assert work(lambda: [fresh.validate(corner.upper()),
                         fresh.validate("6495 S Lemon Av")]) == {"parse": 2}


def test_validate_many_names_the_bad_type_and_the_field_of_the_wrong_length(validator):
    with pytest.raises(InputError, match="^an address must be text, not int$"):
        validator.validate_many(["100 Main St", 12])
    with pytest.raises(InputError, match="^cities has 3 values for 2 addresses$"):
        validator.validate_many(["100 Main St", "200 Main St"], cities=["A", None, ""])


@pytest.mark.parametrize("text, town", [("926 W 4TH AVE", "Millbrook"),  # a town serves it
                                        ("3881 E 80TH AVE", None)])  # no one: the nearest
def test_an_outside_address_is_redirected_and_its_postal_city_checked(validator, points, text,
                                                                      town):
    row = points[points.Address == text].iloc[0]
    location = validator.locator.locate(float(row.Longitude), float(row.Latitude))
    agency, nearest = location["agency"], location["nearest_agency"]
    assert not location["in_jurisdiction"] and (agency is None) == (town is None)
    if town is not None:
        serving = agency["name"]
        assert serving == f"Town of {town}"
        redirect = {**agency, "message": f"{text} is not in the City of Rivergate. It is served "
                                         f"by {serving}: {agency['phone']}, {agency['url']}."}
    else:
        serving = nearest["name"]
        redirect = {"id": None, "name": None, "phone": None, "url": None,
                    "message": f"{text} is not in the City of Rivergate, and no agency we know "
                               f"of serves it. The nearest is {serving}, "
                               f"{nearest['distance_m']:,.0f} m away: {nearest['phone']}, "
                               f"{nearest['url']}."}
    answer = validator.validate(text.lower())
    assert answer["location"] == location
    assert (answer["redirect"], answer["postal_city"]) == (redirect, None)
    name = town or serving  # the place's name without "Town of"
    for given, differs in ((name, False), (f" {name.lower()} ", False), ("Rivergate", True)):
        answer = validator.validate(text, city=given)
        assert answer["redirect"] == redirect
        assert answer["postal_city"] == {"given": given.strip().upper(), "serving": serving,
                                         "differs": differs}
