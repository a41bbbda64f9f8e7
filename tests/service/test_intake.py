"""The intake rules on the demo region, against oracles that do not use geo311: shapely on the
layer files, the address points as generated, and a brute-force great-circle search."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo311.errors import InputError
from geo311.service.duplicates import OpenRequest
from geo311.service.intake import Submission
from geo311.service.records import NewRequest

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
GOOD = {"POTHOLE": {"SIZE": ["LARGE"]}, "BULKY": {"ITEMS": ["SOFA"]},
        "ABANDONED_VEH": {"MAKE": ["FORD"]}, "SIDEWALK": {}}


@pytest.fixture(scope="module")
def points(demo_dir: Path) -> pd.DataFrame:
    return pd.read_csv(demo_dir / "address_points.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def places(demo_dir: Path) -> gpd.GeoDataFrame:
    """Neighbor agencies with contacts.csv filling in their fields (as the README says)."""
    frame = gpd.read_file(demo_dir / "places.geojson")
    contacts = pd.read_csv(demo_dir / "contacts.csv", dtype=str, keep_default_na=False)
    for _, row in contacts.iterrows():
        for key in ("name", "phone", "url"):
            if row[key]:
                frame.loc[frame["slug"] == row["id"], key] = row[key]
    return frame


def _point(lon: str, lat: str, code: str = "POTHOLE", **extra) -> Submission:
    return Submission(service_code=code, long=lon, lat=lat, attributes=GOOD.get(code, {}),
                      **extra)


def _fields(decision) -> list[str | None]:
    return [e.field for e in decision.errors]


def test_service_code_and_jurisdiction(rules, points):
    row = points[points["jurisdiction"] == "rivergate"].iloc[0]
    base = _point(row["Longitude"], row["Latitude"])
    for code, says, status in ((None, "service_code is required", 400),
                               ("  ", "service_code is required", 400),
                               ("PTHOLE", "unknown service_code 'PTHOLE'", 404)):
        decision = rules.check(Submission(**{**vars(base), "service_code": code}), now=NOW)
        assert not decision.accepted and decision.status == status
        assert says in decision.errors[0].description
    wrong = rules.check(Submission(**{**vars(base), "jurisdiction_id": "elsewhere"}), now=NOW)
    assert wrong.status == 404 and wrong.errors[0].field == "jurisdiction_id"
    right = rules.check(Submission(**{**vars(base), "jurisdiction_id": "rivergate"}), now=NOW)
    assert right.accepted and right.status == 201


@pytest.mark.parametrize(("code", "attributes", "accepted", "kept"), [
    ("BULKY", {}, False, None),                                    # required multivaluelist
    ("BULKY", {"ITEMS": ["", " "]}, False, None),                  # empty counts as absent
    ("BULKY", {"ITEMS": ["SOFA", "TIRES", "SOFA"]}, True, {"ITEMS": ["SOFA", "TIRES"]}),
    ("BULKY", {"ITEMS": ["SOFA", "BOAT"]}, False, None),           # not among the keys
    ("BULKY", {"ITEMS": ["SOFA"], "ITEM_COUNT": ["3"]}, True,
     {"ITEMS": ["SOFA"], "ITEM_COUNT": ["3"]}),
    ("BULKY", {"ITEMS": ["SOFA"], "ITEM_COUNT": ["2.5e1"]}, True,
     {"ITEMS": ["SOFA"], "ITEM_COUNT": ["2.5e1"]}),
    ("BULKY", {"ITEMS": ["SOFA"], "ITEM_COUNT": [""]}, True, {"ITEMS": ["SOFA"]}),
    ("BULKY", {"ITEMS": ["SOFA"], "ITEM_COUNT": ["1_0"]}, False, None),
    ("BULKY", {"ITEMS": ["SOFA"], "ITEM_COUNT": ["\u0661\u0662"]}, False, None),
    ("BULKY", {"ITEMS": ["SOFA"], "ITEM_COUNT": ["nan"]}, False, None),
    ("BULKY", {"ITEMS": ["SOFA"], "ITEM_COUNT": ["3 items"]}, False, None),
    ("BULKY", {"ITEMS": ["SOFA"], "ITEM_COUNT": ["3", "4"]}, False, None),
    ("POTHOLE", {"SIZE": ["SMALL", "LARGE"]}, False, None),        # singlevaluelist: one
    ("POTHOLE", {"SIZE": ["HUGE"]}, False, None),
    ("POTHOLE", {"SIZE": ["LARGE"], "LANE": ["BIKE"]}, True,
     {"SIZE": ["LARGE"], "LANE": ["BIKE"]}),
    ("POTHOLE", {"SIZE": ["LARGE"], "COLOUR": ["red"]}, False, None),   # not its attribute
    ("POTHOLE", {"SIZE": ["LARGE"], "COLOUR": [""]}, True, {"SIZE": ["LARGE"]}),
    ("ABANDONED_VEH", {"MAKE": ["FORD"], "LAST_MOVED": ["2026-02-20T08:00:00-08:00"]}, True,
     {"MAKE": ["FORD"], "LAST_MOVED": ["2026-02-20T08:00:00-08:00"]}),
    ("ABANDONED_VEH", {"MAKE": ["FORD"], "LAST_MOVED": ["2026-02-20"]}, True,
     {"MAKE": ["FORD"], "LAST_MOVED": ["2026-02-20"]}),
    ("ABANDONED_VEH", {"MAKE": ["FORD"], "LAST_MOVED": ["last week"]}, False, None),
    ("ABANDONED_VEH", {"MAKE": ["FORD"], "LAST_MOVED": ["2026-13-01T00:00:00"]}, False, None),
    ("ABANDONED_VEH", {"MAKE": ["FORD"], "PLATE": ["7ABC123"]}, True,
     {"MAKE": ["FORD"], "PLATE": ["7ABC123"]}),
    ("ABANDONED_VEH", {"PLATE": ["7ABC123"]}, False, None),        # MAKE is required
    ("SIDEWALK", {}, True, {}),                                    # no attributes at all
])
def test_attributes(rules, points, code, attributes, accepted, kept):
    row = points[points["jurisdiction"] == "rivergate"].iloc[10]
    decision = rules.check(Submission(service_code=code, long=row["Longitude"],
                                      lat=row["Latitude"], attributes=attributes), now=NOW)
    assert decision.accepted is accepted, decision.errors
    if accepted:
        assert dict(decision.new.attributes) == kept
    else:
        assert decision.status == 400
        assert all(f.startswith("attribute[") for f in _fields(decision))


def test_every_attribute_error_is_listed_with_the_location_error(rules):
    decision = rules.check(Submission(service_code="ABANDONED_VEH",
                                      attributes={"LAST_MOVED": ["soon"]}), now=NOW)
    assert _fields(decision) == ["attribute[MAKE]", "attribute[LAST_MOVED]", "lat"]


def test_points_in_the_city_get_their_districts(rules, points, demo_dir):
    inside = points[points["jurisdiction"] == "rivergate"].sample(150, random_state=1)
    layers = {"ward": (gpd.read_file(demo_dir / "wards.geojson"), "ward"),
              "police_division": (gpd.read_file(demo_dir / "police.geojson"), "division")}
    for _, row in inside.iterrows():
        decision = rules.check(_point(row["Longitude"], row["Latitude"]), now=NOW)
        assert decision.accepted, decision.errors
        new = decision.new
        assert isinstance(new, NewRequest)
        assert (new.lon, new.lat) == (float(row["Longitude"]), float(row["Latitude"]))
        point = shapely.Point(new.lon, new.lat)
        for key, (frame, field) in layers.items():
            holders = frame.loc[frame.geometry.intersects(point), field].astype(str).tolist()
            assert new.districts[key] in holders
        assert new.service_code == "POTHOLE" and new.service_name == "Pothole Repair"
        assert new.agency_responsible == "Public Works"
        assert new.requested_datetime == NOW and new.status == "open"


def test_points_outside_get_the_redirect_of_the_agency_covering_them(rules, points, places):
    outside = points[~points["jurisdiction"].isin(["rivergate", ""])]
    outside = outside.sample(60, random_state=2)
    checked = 0
    for _, row in outside.iterrows():
        point = shapely.Point(float(row["Longitude"]), float(row["Latitude"]))
        covering = places[places.geometry.intersects(point)]
        if len(covering) != 1:
            continue  # the deliberate overlap: the smaller wins, not tested here
        agency = covering.iloc[0]
        decision = rules.check(_point(row["Longitude"], row["Latitude"]), now=NOW)
        assert decision.status == 400 and not decision.accepted
        description = decision.errors[0].description
        assert f"is not in the City of Rivergate. It is served by {agency['name']}" \
            in description
        for key in ("phone", "url"):
            if agency[key]:
                assert agency[key] in description
                assert decision.redirect[key] == agency[key]
        checked += 1
    assert checked >= 40


def test_swapped_and_bad_coordinates(rules, points):
    row = points[points["jurisdiction"] == "rivergate"].iloc[3]
    swapped = rules.check(_point(row["Latitude"], row["Longitude"]), now=NOW)
    assert swapped.status == 400 and "look swapped" in swapped.errors[0].description
    for lon, lat, field in (("abc", row["Latitude"], "long"), (row["Longitude"], "", "lat"),
                            ("-119.9", "nan", "lat"), ("1_0", "36.3", "long"),
                            ("-119.9", "95", "lat"), ("-119.9", "36.3\x00", "lat")):
        decision = rules.check(_point(lon, lat), now=NOW)
        assert decision.status == 400 and decision.errors[0].field == field, decision.errors
    far = rules.check(_point("10.0", "50.0"), now=NOW)
    assert far.status == 400 and "not in the City of Rivergate" in far.errors[0].description
    numbers = rules.check(Submission(service_code="SIDEWALK", long=float(row["Longitude"]),
                                     lat=float(row["Latitude"])), now=NOW)
    assert numbers.accepted


def test_addresses_as_typed(rules, demo_dir, points, places):
    truth = pd.read_csv(demo_dir / "requests_truth.csv", dtype=str, keep_default_na=False)
    plain = truth[truth["perturbation"] == "none"]
    where = points.set_index("address_id")
    for _, row in plain[plain["in_city"] == "True"].head(60).iterrows():
        decision = rules.check(Submission(service_code="SIDEWALK",
                                          address_string=row["true_address"]), now=NOW)
        assert decision.accepted, decision.errors
        point = where.loc[row["true_address_id"]]
        assert (decision.new.lon, decision.new.lat) == (float(point["Longitude"]),
                                                        float(point["Latitude"]))
        assert decision.new.address == row["true_address"]
    for _, row in plain[plain["in_city"] == "False"].head(20).iterrows():
        point = where.loc[row["true_address_id"]]
        covering = places[places.geometry.intersects(
            shapely.Point(float(point["Longitude"]), float(point["Latitude"])))]
        decision = rules.check(Submission(service_code="SIDEWALK",
                                          address_string=row["true_address"]), now=NOW)
        assert decision.status == 400 and decision.errors[0].field == "address_string"
        if len(covering) == 1:
            assert covering.iloc[0]["name"] in decision.errors[0].description
            assert decision.redirect["name"] == covering.iloc[0]["name"]


def test_an_ambiguous_address_lists_the_suggestions(rules, points):
    inside = points[(points["jurisdiction"] == "rivergate") & (points["Direction"] != "")
                    & (points["Unit"] == "")]
    sides = inside.groupby(["HouseNumber", "StreetName", "Suffix"])["Direction"].nunique()
    number, name, suffix = sides[sides > 1].index[0]
    text = f"{number} {name} {suffix}"
    decision = rules.check(Submission(service_code="SIDEWALK", address_string=text), now=NOW)
    assert decision.status == 400 and "is ambiguous: did you mean" in \
        decision.errors[0].description
    both = inside[(inside["HouseNumber"] == number) & (inside["StreetName"] == name)
                  & (inside["Suffix"] == suffix)]
    for _, row in both.iterrows():
        assert row["Address"] in decision.errors[0].description
        assert row["Address"] in [s["address"] for s in decision.suggestions]


def test_not_found_unknown_id_and_no_location(rules, points):
    lost = rules.check(Submission(service_code="SIDEWALK",
                                  address_string="99999 Nowhere Blvd"), now=NOW)
    assert lost.status == 400 and "not found" in lost.errors[0].description
    unknown = rules.check(Submission(service_code="SIDEWALK", address_id="AP-NONE"), now=NOW)
    assert unknown.status == 400 and unknown.errors[0].field == "address_id"
    nowhere = rules.check(Submission(service_code="SIDEWALK", address_string=" ", lat="",
                                     long="", address_id=""), now=NOW)
    assert nowhere.status == 400 and "a location is required" in nowhere.errors[0].description


def test_address_id_is_the_point(rules, points):
    for _, row in points[points["jurisdiction"] == "rivergate"].sample(
            20, random_state=3).iterrows():
        decision = rules.check(Submission(service_code="SIDEWALK",
                                          address_id=row["address_id"]), now=NOW)
        assert decision.accepted, decision.errors
        assert decision.new.address_id == row["address_id"]
        assert decision.new.address == row["Address"]
        assert (decision.new.lon, decision.new.lat) == (float(row["Longitude"]),
                                                        float(row["Latitude"]))


def test_near_a_ward_edge_the_notice_names_both_wards(rules, points, demo_dir, city):
    wards = gpd.read_file(demo_dir / "wards.geojson").to_crs(32611)
    inside = points[points["jurisdiction"] == "rivergate"].sample(800, random_state=4)
    xy = gpd.GeoSeries(gpd.points_from_xy(inside["Longitude"].astype(float),
                                          inside["Latitude"].astype(float)),
                       crs=4326).to_crs(32611)
    tolerance = city.profile.near_boundary_m
    near_seen = 0
    for (_, row), point in zip(inside.iterrows(), xy, strict=True):
        distance = wards.geometry.distance(point).to_numpy()
        own = int(np.argmin(distance))
        others = [i for i in np.flatnonzero(distance <= tolerance - 0.5) if i != own]
        clear = all(d > tolerance + 0.5 for i, d in enumerate(distance) if i != own)
        decision = rules.check(_point(row["Longitude"], row["Latitude"], "SIDEWALK"), now=NOW)
        assert decision.accepted
        notice = decision.service_notice or ""
        if others:
            near_seen += 1
            assert f"Near the edge of Council Ward: {wards.loc[own, 'name']} here" in notice
            for i in others:
                assert f", {wards.loc[i, 'name']} at " in notice
        elif clear:
            assert "Council Ward" not in notice
    assert near_seen >= 5


def test_text_rules(rules, points):
    row = points[points["jurisdiction"] == "rivergate"].iloc[5]
    for field, value in (("media_url", "javascript:alert(1)"), ("media_url", "photo.jpg"),
                         ("description", "bad\x00byte"), ("email", "a\ud800b"),
                         ("description", 12)):
        decision = rules.check(_point(row["Longitude"], row["Latitude"], **{field: value}),
                               now=NOW)
        assert decision.status == 400 and decision.errors[0].field == field
    decision = rules.check(_point(row["Longitude"], row["Latitude"], description="  ",
                                  email=" a@b.example ", media_url="https://x.example/p.jpg",
                                  phone=""), now=NOW)
    assert decision.accepted
    assert decision.new.description is None and decision.new.contact.email == "a@b.example"
    assert decision.new.contact.phone is None
    assert decision.new.media_url == "https://x.example/p.jpg"


# -- duplicates ------------------------------------------------------------------------------

def _haversine(lon1, lat1, lon2, lat2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(
        math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


class _BruteForce:
    """Open requests in a list, searched one by one (the shape of ``Store.nearby_open``)."""

    def __init__(self, rows: list[dict]) -> None:
        self.rows = rows

    def __call__(self, lon, lat, radius_m, *, service_code=None, since=None, limit=20):
        found = []
        for r in self.rows:
            d = _haversine(lon, lat, r["lon"], r["lat"])
            if r["status"] == "open" and d <= radius_m and \
                    (service_code is None or r["code"] == service_code) and \
                    (since is None or r["when"] >= since):
                found.append((OpenRequest(r["id"], r["when"], r["status"]), d))
        return sorted(found, key=lambda f: f[1])[:limit]


def test_possible_duplicates_nearest_first_within_the_rule(rules, points):
    inside = points[points["jurisdiction"] == "rivergate"]
    center = inside.iloc[200]
    lon0, lat0 = float(center["Longitude"]), float(center["Latitude"])
    rng = np.random.default_rng(5)
    rows = []
    for i in range(300):  # requests scattered within ~150 m, of two services, over 30 days
        rows.append({"id": f"R{i:03d}", "lon": lon0 + rng.normal(0, 0.0008),
                     "lat": lat0 + rng.normal(0, 0.0006),
                     "code": "POTHOLE" if i % 3 else "SIDEWALK",
                     "when": NOW - timedelta(hours=float(rng.uniform(0, 30 * 24))),
                     "status": "open" if i % 7 else "closed"})
    decision = rules.check(_point(str(lon0), str(lat0)), nearby=_BruteForce(rows), now=NOW)
    rule = rules.definitions.duplicate_rule("POTHOLE")
    expected = sorted(
        (_haversine(lon0, lat0, r["lon"], r["lat"]), r["id"]) for r in rows
         if r["code"] == "POTHOLE" and r["status"] == "open"
         and r["when"] >= NOW - timedelta(days=rule.days)
         and _haversine(lon0, lat0, r["lon"], r["lat"]) <= rule.radius_m)[:20]
    assert expected, "the scatter puts some requests within the rule"
    got = decision.possible_duplicates
    assert [d["service_request_id"] for d in got] == [i for _, i in expected]
    assert [d["distance_m"] for d in got] == [round(d, 1) for d, _ in expected]
    assert all(d["status"] == "open" for d in got)
    assert decision.accepted and f"open request {expected[0][1]}" in decision.service_notice
    assert decision.new.service_notice == decision.service_notice
    lonely = rules.check(_point(str(lon0), str(lat0)), nearby=_BruteForce([]), now=NOW)
    assert lonely.possible_duplicates == [] and lonely.service_notice is None


def test_a_filed_request_is_found_by_the_next_one_in_the_store(rules, points, tmp_path):
    from geo311.service.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    inside = points[points["jurisdiction"] == "rivergate"]
    first = inside.iloc[400]
    decision = rules.check(_point(first["Longitude"], first["Latitude"]), now=NOW)
    stored = store.create_request(decision.new)
    again = rules.check(_point(first["Longitude"], first["Latitude"]),
                        nearby=store.nearby_open, now=NOW + timedelta(hours=2))
    assert [d["service_request_id"] for d in again.possible_duplicates] == \
        [stored.service_request_id]
    assert again.possible_duplicates[0]["distance_m"] == pytest.approx(0, abs=0.01)
    later = rules.check(_point(first["Longitude"], first["Latitude"]),
                        nearby=store.nearby_open, now=NOW + timedelta(days=30))
    assert later.possible_duplicates == []   # outside the 14-day window
    other = rules.check(_point(first["Longitude"], first["Latitude"], "SIDEWALK"),
                        nearby=store.nearby_open, now=NOW + timedelta(hours=2))
    assert other.possible_duplicates == []   # another service


def test_validate_helper(rules, points):
    row = points[(points["jurisdiction"] == "rivergate") & (points["Unit"] == "")].iloc[0]
    lon, lat = float(row["Longitude"]), float(row["Latitude"])
    nearby = _BruteForce([{"id": "X1", "lon": lon, "lat": lat, "code": "POTHOLE",
                           "when": NOW - timedelta(days=1), "status": "open"}])
    answer = rules.validate(row["Address"], service_code="POTHOLE", nearby=nearby, now=NOW)
    assert answer["status"] == "valid" and answer["address"] == row["Address"]
    assert [d["service_request_id"] for d in answer["possible_duplicates"]] == ["X1"]
    plain = rules.validate(row["Address"])
    assert "possible_duplicates" not in plain and plain["lon"] == lon
    with pytest.raises(InputError):
        rules.validate(row["Address"], service_code="NOPE")


def test_a_street_level_place_is_accepted_only_when_close_and_in_one_district(rules, city,
                                                                                points):
    """A known street with an unknown number (status approximate): filed with a notice when
    its place is within 500 m and all in one ward; otherwise refused, asking for more. The
    stored ward is the ward that contains the point (geopandas on the layer file)."""
    wards = gpd.read_file(Path(city.profile.path).parent / "wards.geojson")
    sample = points[points["HouseNumber"].str.isdigit()].sample(2000, random_state=5)
    accepted = refused = 0
    for _, row in sample.iterrows():
        for offset in (40, 99_999):
            text = " ".join(p for p in (str(int(row["HouseNumber"]) + offset), row["Direction"],
                                        row["StreetName"], row["Suffix"]) if p)
            answer = city.validator.validate(text)
            if answer["status"] != "approximate" or not answer["location"]["in_jurisdiction"]:
                continue  # a street outside the city is a redirect (tested above)
            decision = rules.check(Submission(service_code="SIDEWALK", address_string=text),
                                   now=NOW)
            if decision.accepted:
                accepted += 1
                assert answer["precision_m"] <= 500 and answer["district_certain"]
                assert "not at the house number" in decision.service_notice
                point = shapely.Point(decision.new.lon, decision.new.lat)
                holder = wards[wards.contains(point)]
                assert decision.new.districts["ward"] == str(holder["ward"].iloc[0])
            else:
                refused += 1
                assert answer["precision_m"] > 500 or not answer["district_certain"]
                assert [e.code for e in decision.errors] == [400]
                assert "not this house number" in decision.errors[0].description
    assert accepted >= 3 and refused >= 5
