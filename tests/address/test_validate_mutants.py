"""The validator where the demo requests do not take it, each answer against an oracle here.

Written against the mutants of ``address/validate.py``: district candidates of a street and
of intersections (a sjoin of the demo's own layers), ``reverse`` (a brute-force geodesic
nearest point), the redirect sentences and postal-city check (the documented sentences), and
the work the caches share (the Validator docstring: inputs read alike share the work,
locations are cached by point), counted by wrapping the parser, matcher and locator.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections import Counter

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

import geo311.address.validate as validate_module
from geo311.address.match import Candidate, MatchResult, MatchType
from geo311.address.normalize import Street
from geo311.address.reference import AddressReference
from geo311.address.validate import FUZZY_TIE, SWAP_CONFIDENCE, TIE, Validator, redirect_message
from geo311.errors import InputError
from geo311.profile import AddressSettings, load_profile

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
    names = dict(zip(wards.id, wards.name, strict=True))
    assert all(c["name"] == names[c["id"]] for c in ward)
    probabilities = [c["probability"] for c in ward]
    assert probabilities == sorted(probabilities, reverse=True)
    assert sum(probabilities) == pytest.approx(1.0, abs=0.002)


def test_an_intersection_inside_one_district_of_each_layer_is_valid_and_certain(
        validator, streets, layers):
    node = _node(streets, "S Kings St", "W Sparrow Blvd")
    answer = validator.validate("S Kings St & W Sparrow Blvd")
    assert (answer["status"], answer["match_type"]) == ("valid", "intersection")
    assert answer["district_certain"] is True
    assert (answer["understood"]["kind"], answer["understood"]["street"],
            answer["understood"]["cross_street"]) == ("intersection", "S KINGS ST",
                                                      "W SPARROW BLVD")
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
# The Validator's promise: answers cached by the exact input, by what the parser's fast path
# reads (case and spacing aside) and by what was understood; locations by point. Each step
# below counts the parses, matches and locations it caused, and checks that every answer is
# the one another validator gives (through its own caches).

CORNER = "S Kings St & W Sparrow Blvd"  # ASCII, but not read by the fast path


class Counted:
    """A new validator whose parser, matcher and locator calls are counted."""

    def __init__(self, validator: Validator, monkeypatch: pytest.MonkeyPatch) -> None:
        self.other = validator
        self.fresh = Validator(validator.profile, reference=validator.reference,
                               locator=validator.locator)
        self.calls: Counter = Counter()
        monkeypatch.setattr(validate_module, "parse_uncached_how",
                            self._counting("parse", validate_module.parse_uncached_how))
        monkeypatch.setattr(self.fresh.matcher, "match",
                            self._counting("match", self.fresh.matcher.match))
        monkeypatch.setattr(self.fresh.locator, "locate",
                            self._counting("locate", self.fresh.locator.locate))

    def _counting(self, name: str, function):
        def counted(*args, **kwargs):
            self.calls[name] += 1
            return function(*args, **kwargs)
        return counted

    def many(self, texts: list[str], **fields) -> dict:
        """The work of ``validate_many(texts, **fields)``."""
        self.calls.clear()
        answers = self.fresh.validate_many(texts, **fields)
        work = dict(self.calls)
        expected = self.other.validate_many(texts, **fields)
        assert answers == expected
        return work

    def each(self, texts: list[str], zip: str | None = None) -> dict:
        """The work of ``validate(text, zip=zip)`` for each text in turn."""
        self.calls.clear()
        answers = [self.fresh.validate(text, zip=zip) for text in texts]
        work = dict(self.calls)
        assert answers == [self.other.validate(text, zip=zip) for text in texts]
        return work


@pytest.fixture
def counted(validator, monkeypatch) -> Counted:
    return Counted(validator, monkeypatch)


def test_inputs_read_alike_share_the_work_in_validate_many(counted):
    # one chunk: "6495 s lemon ave" is read; its other spacing shares that reading (no
    # parse); "South ... Avenue" is read into the same address (no match); the corner too
    assert counted.many(["6495 s lemon ave", " 6495 S  LEMON AVE", "6495 South Lemon Avenue",
                         CORNER, "6495 s lemon ave"]) == {"parse": 3, "match": 2, "locate": 2}
    # later calls: an exact input again, another spacing of a fast-read one: no work
    assert counted.many(["6495 SOUTH LEMON  AVENUE", "6495 s lemon ave", CORNER]) == {}
    assert counted.each(["6495 s LEMON ave", CORNER]) == {}
    # the corner in other spacing is read again (the fast path did not read it), and a new
    # spelling of the address is read, but neither is matched or located again
    assert counted.many(["S Kings St  &  W Sparrow Blvd", "6495 S. Lemon Avenue"]) == {
        "parse": 2}
    assert counted.each([CORNER.upper(), "6495 S Lemon Av"]) == {"parse": 2}


def test_inputs_read_alike_share_the_work_in_validate(counted):
    # the ZIP field makes these new inputs: read, matched (the place is new to this validator)
    assert counted.each(["6495 s lemon ave"], zip="93698") == {"parse": 1, "match": 1,
                                                               "locate": 1}
    assert counted.each(["6495 S  LEMON AVE"], zip="93698") == {}  # the fast path's reading
    assert counted.each(["6495 South Lemon Avenue"], zip="93698") == {"parse": 1}
    assert counted.each([CORNER, CORNER]) == {"parse": 1, "match": 1, "locate": 1}
    assert counted.each([CORNER.lower()]) == {"parse": 1}  # not read by the fast path
    assert counted.many([CORNER.lower(), "6495 SOUTH LEMON AVENUE"], zips=["", "93698"]) == {}


def test_validate_many_names_the_bad_type_and_the_field_of_the_wrong_length(validator):
    with pytest.raises(InputError, match="^an address must be text, not int$"):
        validator.validate_many(["100 Main St", 12])
    with pytest.raises(InputError, match="^an address must be text, not int$"):
        validator.validate(12)
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
    for given, differs in ((name, False), (f" {name.lower()} ", False), (serving, False),
                           (f"town  of {name}", False), ("Rivergate", True)):
        answer = validator.validate(text, city=given)
        assert answer["redirect"] == redirect
        assert answer["postal_city"] == {"given": given.strip().upper(), "serving": serving,
                                         "differs": differs}


def test_a_new_reference_answers_every_later_input_and_the_profile_stays(validator, points,
                                                                         tmp_path):
    fresh = Validator(validator.profile, reference=validator.reference,
                      locator=validator.locator)
    assert fresh.profile is validator.profile
    assert fresh.validate("6495 s lemon ave")["status"] == "valid"
    assert fresh.validate_many(["6495 S LEMON AVE"])[0]["status"] == "valid"
    # a reference of two address points on a street of its own, where S Lemon Ave is not
    row = points.iloc[500]
    lon, lat = float(row.Longitude), float(row.Latitude)
    pd.DataFrame([("10 QUUX ST", "93690", lon, lat), ("20 QUUX ST", "93690", lon, lat + 2e-4)],
                 columns=["address", "zip", "x", "y"]).to_csv(tmp_path / "points.csv",
                                                             index=False)
    settings = AddressSettings(points="points.csv", full_address_field="address",
                               zip_field="zip", lon_field="x", lat_field="y")
    town = AddressReference.from_profile(
        dataclasses.replace(validator.profile, path=tmp_path / "profile.toml",
                            addresses=settings), cache_dir=tmp_path / "cache")
    fresh.use_reference(town)
    assert fresh.reference is town and fresh.matcher.reference is town
    assert fresh.profile is validator.profile
    for answer in (fresh.validate("6495 s lemon ave"), fresh.validate("6495 S  LEMON AVE"),
                   *fresh.validate_many(["6495 S LEMON AVE", "6495 South Lemon Avenue"])):
        assert (answer["status"], answer["address"]) == ("not_found", None)
    found = fresh.validate("10 Quux St")
    assert (found["status"], found["address"], found["lon"], found["lat"]) == (
        "valid", "10 QUUX ST", lon, lat)
    assert found["location"] == validator.locator.locate(lon, lat)


# -- status and confidence -------------------------------------------------------------------
# The rules of validate.py's docstrings: the confidence is the match type's prior (0.95 for an
# intersection, else 1) times the best candidate's score, at most 0.5 for an ambiguous answer
# (a runner-up for another address within TIE, or FUZZY_TIE for a fuzzy street) and at most
# SWAP_CONFIDENCE when a directional or suffix given is not the one found; a reason about the
# unit alone leaves an answer valid.

@pytest.mark.parametrize("text, status, prior, cap", [
    ("1535 Hopkins Ave", "ambiguous", 1.0, 0.5),  # N and S Hopkins Ave both have a 1535
    ("1982 E Oal Ter", "ambiguous", 1.0, 0.5),  # Opal or Oak: a fuzzy street, close scores
    ("2817 Riversidr Dr", "corrected", 1.0, 1.0),  # a one-letter typo, no runner-up
    ("772 Violet St", "corrected", 1.0, 1.0),  # the directional missing: S by far
    ("4226 Cesar Chavez Blvd", "corrected", 1.0, SWAP_CONFIDENCE),  # the suffix is not BLVD
    ("6495 S Lemon Ave Apt 9", "valid", 1.0, 1.0),  # the unit is not in the reference
    ("475 W Opal Ter #2", "valid", 1.0, 1.0),  # the unit designator differs
    ("S Kings St & W Sparrow Blvd", "valid", 0.95, 1.0),
    ("38 S ain St", "not_found", 0.0, 0.0),
])
def test_status_and_confidence_follow_the_documented_rules(validator, text, status, prior, cap):
    answer = validator.validate(text)
    assert answer["status"] == status
    found = answer["suggestions"]
    best = found[0]["score"] if found else 0.0
    assert answer["confidence"] == pytest.approx(min(prior * best, cap), abs=0.0011)
    assert (answer["address"] is None) == (status in ("ambiguous", "not_found"))
    if status == "valid":
        assert found[0]["reason"] is None or found[0]["reason"].startswith("unit")
    others = [s for s in found[1:] if s["address"] != found[0]["address"]]
    gap = found[0]["score"] - others[0]["score"] if others else 1.0
    fuzzy = answer["match_type"] == "fuzzy_street"
    if text == "1982 E Oal Ter":
        assert fuzzy and TIE < gap < FUZZY_TIE
    elif status == "corrected":
        assert gap >= (FUZZY_TIE if fuzzy else TIE)


@pytest.mark.parametrize("text, fields, zip, city", [
    ("772 Violet St", {"zip": " 93698 "}, "93698", None),
    ("772 Violet St 93690", {"zip": "93711"}, "93690", None),  # the text's ZIP wins
    ("772 Violet St, Ashford", {"city": "Rivergate", "zip": "93698"}, "93698", "ASHFORD"),
    ("772 Violet St", {"city": " ashford ", "zip": " "}, None, "ASHFORD"),
    ("772 Violet St, Ashford CA 93690", {"city": "X", "zip": "93711"}, "93690", "ASHFORD"),
])
def test_form_fields_fill_only_what_the_text_does_not_say(validator, text, fields, zip, city):
    for answer in (validator.validate(text, **fields),
                   validator.validate_many([text], **{k + "s" if k == "zip" else "cities": [v]
                                                      for k, v in fields.items()})[0]):
        assert (answer["understood"]["zip"], answer["understood"]["city"]) == (zip, city)
        assert answer["understood"]["street"] == "VIOLET ST"


def test_each_answer_carries_the_locators_answer_for_its_point(validator, points):
    """Inside and outside the city, near a boundary or not: the shapes of the answers vary."""
    fresh = Validator(validator.profile, reference=validator.reference,
                      locator=validator.locator)
    sample = points[points.Unit == ""].sample(300, random_state=7)
    answers = fresh.validate_many(list(sample.Address))
    answers += [fresh.validate(text.lower()) for text in sample.Address[:100]]
    shapes = set()
    for answer in answers:
        location = validator.locator.locate(answer["lon"], answer["lat"])
        assert answer["status"] == "valid"
        assert answer["location"] == location
        assert answer["district_certain"] is (not location["near_boundary"])
        assert answer["district_candidates"] is None
        shapes.add((location["in_jurisdiction"], location["near_boundary"]))
    assert len(shapes) == 4


# -- the same rules on answers a stub matcher gives ------------------------------------------

def _candidate(address: str, score: float, kind: MatchType = MatchType.EXACT,
               reason: str | None = None, lon: float | None = -119.88,
               spread: np.ndarray | None = None) -> Candidate:
    return Candidate(address=address, street=Street(None, address.split()[1], "ST", None),
                     number=int(address.split()[0]), zip=None, lon=lon,
                     lat=None if lon is None else 36.30, match_type=kind, score=score,
                     reason=reason, precision_m=7.5, spread=spread)


def _answer_from(validator: Validator, monkeypatch, kind: MatchType, *suggestions: Candidate,
                 ambiguous: bool | None = None) -> dict:
    """The answer to "1 A St" of a validator whose matcher finds ``suggestions``."""
    fresh = Validator(validator.profile, reference=validator.reference,
                      locator=validator.locator)
    best = suggestions[0] if suggestions else None
    monkeypatch.setattr(fresh.matcher, "match", lambda parsed: MatchResult(
        parsed, kind, best, list(suggestions), [], ambiguous))
    return fresh.validate("1 A St")


@pytest.mark.parametrize("kind, scores, addresses, ambiguous, expected", [
    (MatchType.EXACT, (0.9, 0.895), ("1 A ST", "1 B ST"), None, "ambiguous"),  # within TIE
    (MatchType.EXACT, (0.9, 0.87), ("1 A ST", "1 B ST"), None, "corrected"),  # within FUZZY_TIE
    (MatchType.FUZZY, (0.9, 0.87), ("1 A ST", "1 B ST"), None, "ambiguous"),
    (MatchType.FUZZY, (0.9, 0.84), ("1 A ST", "1 B ST"), None, "corrected"),
    (MatchType.EXACT, (0.9, 0.9), ("1 A ST", "1 A ST"), None, "corrected"),  # one address
    (MatchType.EXACT, (0.9, 0.2), ("1 A ST", "1 B ST"), True, "ambiguous"),  # the matcher says
    (MatchType.EXACT, (0.9, 0.9), ("1 A ST", "1 B ST"), False, "corrected"),
    (MatchType.EXACT, (TIE, 0.0), ("1 A ST", "1 B ST"), None, "corrected"),  # exactly TIE
    (MatchType.FUZZY, (FUZZY_TIE, 0.0), ("1 A ST", "1 B ST"), None, "corrected"),
    (MatchType.STREET_ONLY, (0.9, 0.9), ("1 A ST", "1 B ST"), None, "approximate"),
])
def test_a_runner_up_for_another_address_makes_an_answer_ambiguous(validator, monkeypatch, kind,
                                                                   scores, addresses, ambiguous,
                                                                   expected):
    found = [_candidate(a, s, kind, "because") for a, s in zip(addresses, scores, strict=True)]
    answer = _answer_from(validator, monkeypatch, kind, *found, ambiguous=ambiguous)
    assert answer["status"] == expected
    cap = 0.5 if expected == "ambiguous" else 1.0
    assert answer["confidence"] == round(min(scores[0], cap), 3)
    assert [s["address"] for s in answer["suggestions"]] == list(addresses)
    assert [s["match_type"] for s in answer["suggestions"]] == [str(kind)] * 2


@pytest.mark.parametrize("kind, reason, lon, expected, confidence", [
    (MatchType.EXACT, None, -119.88, "valid", 0.9),
    (MatchType.EXACT, "unit not in reference", -119.88, "valid", 0.9),
    (MatchType.EXACT_IGNORING_UNIT, "directional missing", -119.88, "corrected", 0.9),
    (MatchType.CENTERLINE, None, -119.88, "valid", 0.9),
    (MatchType.POINT_INTERPOLATED, "ZIP differs", -119.88, "corrected", 0.9),
    (MatchType.FUZZY, None, -119.88, "corrected", 0.9),
    (MatchType.STREET_INTERPOLATED, None, -119.88, "approximate", 0.9),
    (MatchType.STREET_ONLY, None, None, "not_found", 0.9),  # a street that has no place
    (MatchType.NOT_FOUND, None, -119.88, "not_found", 0.0),
    (MatchType.EXACT, "ZIP differs; suffix differs", -119.88, "corrected", SWAP_CONFIDENCE),
    (MatchType.FUZZY, "directional differs", -119.88, "corrected", SWAP_CONFIDENCE),
])
def test_each_match_type_gives_its_status(validator, monkeypatch, kind, reason, lon, expected,
                                          confidence):
    best = _candidate("1 A ST", 0.9, kind, reason, lon)
    answer = _answer_from(validator, monkeypatch, kind, best)
    assert answer["status"] == expected
    placed = expected in ("valid", "corrected", "approximate")
    assert (answer["address"], answer["lon"]) == (("1 A ST", lon) if placed else (None, None))
    assert answer["confidence"] == confidence
    assert answer["precision_m"] == (7.5 if placed else None)
    if placed:
        location = validator.locator.locate(lon, 36.30)
        assert answer["location"] == location
        assert answer["district_certain"] is (not location["near_boundary"])
    else:
        assert answer["location"] is answer["district_certain"] is answer["redirect"] is None
    assert answer["understood"]["street"] == "A ST" and answer["understood"]["number"] == 1
    assert (answer["location"] is not None) == placed


def test_scores_and_confidence_have_three_places_and_confidence_stays_within_0_and_1(
        validator, monkeypatch):
    answer = _answer_from(validator, monkeypatch, MatchType.EXACT,
                          _candidate("1 A ST", 1.23456), _candidate("1 B ST", 0.123456))
    assert [s["score"] for s in answer["suggestions"]] == [1.235, 0.123]
    assert answer["confidence"] == 1.0
    answer = _answer_from(validator, monkeypatch, MatchType.EXACT, _candidate("1 A ST", 0.65432))
    assert (answer["suggestions"][0]["score"], answer["confidence"]) == (0.654, 0.654)


def test_a_full_cache_is_emptied_before_it_holds_more_than_cache_size(counted, points,
                                                                     monkeypatch):
    monkeypatch.setattr(validate_module, "CACHE_SIZE", 3)
    texts = list(points[points.Unit == ""].Address.drop_duplicates()[:4])
    assert counted.each(texts) == {"parse": 4, "match": 4, "locate": 4}
    assert counted.each(texts[3:]) == {}  # the last one came after the caches were emptied
    assert counted.each(texts[:1]) == {"parse": 1, "match": 1, "locate": 1}


def test_a_placed_number_whose_spread_crosses_a_ward_line_stays_placed_but_uncertain(
        validator, monkeypatch, points, layers):
    """Only an intersection turns approximate when its place spans districts; an interpolated
    number stays valid, its district uncertain; a spread of one sample is that district."""
    sonora = points[(points.Direction == "E") & (points.StreetName == "SONORA")]
    lonlat = sonora[["Longitude", "Latitude"]].astype(float).to_numpy()
    ward = gpd.sjoin(gpd.GeoDataFrame(geometry=gpd.points_from_xy(*lonlat.T), crs=4326),
                     layers["ward"], how="left", predicate="within").id.to_numpy()
    first, second = (lonlat[ward == w] for w in ("10", "6"))  # two wards the street crosses
    spread = np.vstack([first[:1], second[:3]])
    best = _candidate("1 A ST", 0.9, MatchType.POINT_INTERPOLATED, None, spread=spread)
    answer = _answer_from(validator, monkeypatch, MatchType.POINT_INTERPOLATED, best)
    assert answer["status"] == "valid" and answer["district_certain"] is False
    expected = {key: shares(spread, layer) for key, layer in layers.items()}
    assert answer["district_candidates"] == expected
    assert [c["probability"] for c in expected["ward"]] == [0.75, 0.25]

    one = _candidate("1 A ST", 0.9, MatchType.STREET_ONLY, None, spread=spread[:1])
    answer = _answer_from(validator, monkeypatch, MatchType.STREET_ONLY, one)
    assert answer["status"] == "approximate"
    assert answer["district_candidates"] == {key: shares(spread[:1], layer)
                                             for key, layer in layers.items()}
    assert answer["district_candidates"]["ward"][0]["probability"] == 1.0
