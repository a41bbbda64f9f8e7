"""Open311 GeoReport v2 over HTTP: every answer validates against the published JSON Schemas,
its XML holds the same values as its JSON, and the protocol's rules hold (jurisdiction,
api_key, errors, dates, windows, attributes, location checks, tokens, FixMyStreet updates)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import geopandas as gpd
import pandas as pd
import pytest

from geo311.city import City
from geo311.service.records import NewRequest
from geo311.service.store import open_store
from geo311.web import create_app
from geo311.web.open311 import register_jurisdiction
from tests.conftest import SHARED, require
from testsupport.georeport import assert_valid, assert_xml_matches_json, schema_validator

V2 = "/open311/v2"
CONTACT = {"email": "resident@example.org", "phone": "5550100123", "first_name": "Ada",
           "last_name": "Quill", "device_id": "device-7781", "account_id": "acct-4410"}


@pytest.fixture(scope="module")
def schemas():
    folder = require(SHARED / "open311")
    return {name: schema_validator(folder, name)
            for name in ("services", "service-definition", "requests")}


@pytest.fixture(scope="module")
def service(demo_dir, store_url):
    """The service on a fresh store: SQLite, then PostgreSQL (the store's fixture)."""
    city = City.open(demo_dir)
    store = open_store(store_url)
    app = create_app(city, store, config={"GEO311_POST_LIMIT": "100000 per minute",
                                          "OPEN311_JURISDICTION_ALIASES": ["rivergate.gov"]})
    return SimpleNamespace(app=app, city=city, store=store, client=app.test_client(),
                           key=store.create_api_key("resident app"),
                           staff=store.create_api_key("crm", staff=True))


@pytest.fixture(scope="module")
def points(demo_dir, service):
    """Places of the demo, picked from its own files (not from geo311's answers)."""
    addresses = pd.read_csv(demo_dir / "address_points.csv", dtype=str)
    inside = addresses[addresses["jurisdiction"] == "rivergate"]
    locator = service.city.locator
    calm = next(row for row in inside.itertuples()
                if not locator.locate(float(row.Longitude), float(row.Latitude))["near_boundary"])
    outside = addresses[addresses["jurisdiction"] == "halston"].iloc[0]
    places = gpd.read_file(demo_dir / "places.geojson").set_index("slug")
    # an E/W pair: the same number on both halves of one street, asked without the direction
    pairs = (inside.dropna(subset=["Direction"])
             .groupby(["HouseNumber", "StreetName", "Suffix"])["Direction"].nunique())
    number, street, suffix = pairs[pairs > 1].index[0]
    return SimpleNamespace(calm=calm, outside=outside, halston=places.loc["halston"],
                           ambiguous=f"{number} {street} {suffix}",
                           ambiguous_full=inside[(inside.HouseNumber == number)
                                                 & (inside.StreetName == street)
                                                 & (inside.Suffix == suffix)]["Address"])


def both(client, path, **kwargs):
    """The JSON and the XML answer of one GET, checked to hold the same values."""
    json_answer = client.get(f"{path}.json", **kwargs)
    xml_answer = client.get(f"{path}.xml", **kwargs)
    assert json_answer.status_code == xml_answer.status_code
    assert json_answer.mimetype == "application/json"
    if json_answer.status_code == 200:
        assert json_answer.content_type == "application/json; charset=utf-8"
        assert xml_answer.content_type == "text/xml; charset=utf-8"
        assert xml_answer.get_data().startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return json_answer, xml_answer


def errors_of(answer) -> list[tuple[int, str]]:
    """The ``errors`` body of an answer, JSON or XML."""
    if answer.mimetype == "application/json":
        return [(row["code"], row["description"]) for row in json.loads(answer.get_data())]
    root = ET.fromstring(answer.get_data())
    assert root.tag == "errors"
    return [(int(e.findtext("code")), e.findtext("description")) for e in root]


def post(service, fmt="json", *, key=True, **form):
    data = {"api_key": service.key} if key is True else ({"api_key": key} if key else {})
    data.update(form)
    return service.client.post(f"{V2}/requests.{fmt}", data=data)


def file_at(service, point, **form):
    answer = post(service, service_code="STORM_DRAIN", lat=point.Latitude, long=point.Longitude,
                  **form)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    [created] = answer.json
    return created


# -- discovery, services ---------------------------------------------------------------------

def test_discovery_in_both_formats(service):
    json_answer, xml_answer = both(service.client, "/open311/discovery")
    document = json_answer.json
    assert set(document) == {"changeset", "contact", "key_service", "endpoints"}
    [endpoint] = document["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert "City of Rivergate" in document["contact"]
    datetime.fromisoformat(document["changeset"])
    assert_xml_matches_json(xml_answer.get_data(), document, "discovery")


def test_services_and_every_definition_validate(service, schemas):
    json_answer, xml_answer = both(service.client, f"{V2}/services")
    services = json_answer.json
    assert_valid(schemas["services"], services)
    assert_xml_matches_json(xml_answer.get_data(), services, "services")
    catalog = pd.read_csv(service.city.profile.resolve_path(
        service.city.profile.services.catalog, "catalog"), dtype=str)
    assert sorted(s["service_code"] for s in services) == sorted(catalog["service_code"])
    with_attributes = 0
    for row in services:
        json_def, xml_def = both(service.client, f"{V2}/services/{row['service_code']}")
        definition = json_def.json
        assert_valid(schemas["service-definition"], definition)
        assert definition["service_code"] == row["service_code"]
        assert row["metadata"] == bool(definition["attributes"])
        assert_xml_matches_json(xml_def.get_data(), definition, "service_definition")
        with_attributes += bool(definition["attributes"])
    assert with_attributes > 0


def test_unknown_service_code_is_404_in_both_formats(service):
    for answer in both(service.client, f"{V2}/services/NO_SUCH_SERVICE"):
        assert answer.status_code == 404
        [(code, description)] = errors_of(answer)
        assert code == 404 and "NO_SUCH_SERVICE" in description


# -- jurisdiction_id -------------------------------------------------------------------------

def test_a_single_jurisdiction_takes_no_id_its_own_or_an_alias(service):
    for jurisdiction in ("", "rivergate", "rivergate.gov"):
        answer = service.client.get(f"{V2}/services.json",
                                    query_string={"jurisdiction_id": jurisdiction})
        assert answer.status_code == 200
    for answer in both(service.client, f"{V2}/services",
                       query_string={"jurisdiction_id": "ashford.gov"}):
        assert answer.status_code == 404
        assert errors_of(answer)[0][0] == 404


def test_several_jurisdictions_need_the_id(demo_dir, tmp_path):
    city = City.open(demo_dir)
    app = create_app(city, open_store(f"sqlite:///{tmp_path}/a.sqlite"))
    register_jurisdiction(app, city, open_store(f"sqlite:///{tmp_path}/b.sqlite"),
                          jurisdiction_id="twin.example.gov")
    client = app.test_client()
    for answer in both(client, f"{V2}/services"):
        assert answer.status_code == 400
        [(code, description)] = errors_of(answer)
        assert code == 400 and "jurisdiction_id" in description
    for jurisdiction in ("rivergate", "twin.example.gov"):
        assert client.get(f"{V2}/services.json",
                          query_string={"jurisdiction_id": jurisdiction}).status_code == 200
    assert client.get(f"{V2}/services.json",
                      query_string={"jurisdiction_id": "nowhere"}).status_code == 404


# -- POST requests ---------------------------------------------------------------------------

def test_post_answers_the_id_and_the_request_reads_back(service, points, schemas):
    created = file_at(service, points.calm, description="Tag on the wall", **CONTACT)
    # a realtime service: the id, and no token ("should not be returned if
    # service_request_id is returned")
    assert set(created) == {"service_request_id", "service_notice"}
    request_id = created["service_request_id"]
    stored = service.store.get_request(request_id)                # committed before the answer
    assert stored is not None
    token = stored.token
    assert len(request_id) >= 16 and len(token) >= 16 and request_id != token
    json_answer, xml_answer = both(service.client, f"{V2}/requests/{request_id}")
    [row] = json_answer.json
    assert_valid(schemas["requests"], json_answer.json)
    assert_xml_matches_json(xml_answer.get_data(), json_answer.json, "service_requests")
    assert row["service_request_id"] == request_id and row["status"] == "open"
    assert row["service_code"] == "STORM_DRAIN" and row["description"] == "Tag on the wall"
    assert row["lat"] == pytest.approx(float(points.calm.Latitude))
    assert row["long"] == pytest.approx(float(points.calm.Longitude))
    assert datetime.fromisoformat(row["requested_datetime"]).utcoffset() is not None
    tokens_json, tokens_xml = both(service.client, f"{V2}/tokens/{token}")
    assert tokens_json.json == [{"service_request_id": request_id, "token": token}]
    assert_xml_matches_json(tokens_xml.get_data(), tokens_json.json, "service_requests")
    for answer in (json_answer, xml_answer, tokens_json, tokens_xml):
        text = answer.get_data(as_text=True)
        assert not any(value in text for value in CONTACT.values())


def test_batch_and_blackbox_services_answer_as_the_spec_says(service, points, demo_dir):
    catalog = pd.read_csv(demo_dir / "service_catalog.csv", dtype=str)
    definitions = json.loads((demo_dir / "service_definitions.json").read_text())
    for kind, keys in (("batch", {"token", "service_notice"}), ("blackbox", {"service_notice"}),
                       ("realtime", {"service_request_id", "service_notice"})):
        code = catalog.loc[catalog["type"] == kind, "service_code"].iloc[0]
        form = {}
        for attribute in definitions.get(code, {}).get("attributes", []):
            if attribute["required"]:
                value = (attribute["values"][0]["key"] if attribute.get("values")
                         else "2026-01-05T10:00:00+00:00" if attribute["datatype"] == "datetime"
                         else "1")
                form[f"attribute[{attribute['code']}]"] = value
        before = service.store.count_requests()
        for fmt in ("json", "xml"):
            answer = post(service, fmt, service_code=code, lat=points.calm.Latitude,
                          long=points.calm.Longitude, description=f"a {kind} request", **form)
            assert answer.status_code == 200, answer.get_data(as_text=True)
            if fmt == "json":
                [created] = answer.json
            else:
                [request] = ET.fromstring(answer.get_data()).findall("request")
                assert {child.tag for child in request} == set(created)
        assert set(created) == keys, kind
        assert service.store.count_requests() == before + 2           # stored all the same
        if "token" in created:                                        # the token gives the id
            [resolved] = service.client.get(f"{V2}/tokens/{created['token']}.json").json
            stored = service.store.get_by_token(created["token"])
            assert resolved == {"service_request_id": stored.service_request_id,
                                "token": created["token"]}
            assert stored.service_code == code


def test_post_in_xml(service, points):
    answer = post(service, "xml", service_code="STORM_DRAIN", lat=points.calm.Latitude,
                  long=points.calm.Longitude)
    assert answer.status_code == 200 and answer.mimetype == "text/xml"
    root = ET.fromstring(answer.get_data())
    assert root.tag == "service_requests"
    [request] = root
    assert request.tag == "request" and request.findtext("service_request_id")


def test_post_by_address_string(service, points):
    answer = post(service, service_code="STORM_DRAIN", address_string=points.calm.Address)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    stored = service.store.get_request(answer.json[0]["service_request_id"])
    assert stored.address == points.calm.Address
    assert stored.lon == pytest.approx(float(points.calm.Longitude), abs=1e-6)


def test_post_by_address_id(service, points):
    answer = post(service, service_code="STORM_DRAIN", address_id=points.calm.address_id)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    stored = service.store.get_request(answer.json[0]["service_request_id"])
    assert stored.address_id == points.calm.address_id


def test_outside_the_city_is_400_with_the_agency_to_call(service, points):
    for fmt in ("json", "xml"):
        answer = post(service, fmt, service_code="STORM_DRAIN", lat=points.outside.Latitude,
                      long=points.outside.Longitude)
        assert answer.status_code == 400
        [(code, description)] = errors_of(answer)
        assert code == 400
        assert points.halston["name"] in description and points.halston["phone"] in description


def test_an_ambiguous_address_is_400_listing_the_suggestions(service, points):
    answer = post(service, service_code="STORM_DRAIN", address_string=points.ambiguous)
    assert answer.status_code == 400
    text = " ".join(description for _, description in errors_of(answer))
    for full in points.ambiguous_full:
        assert full in text


def test_near_a_district_edge_is_accepted_with_a_notice(service):
    locator = service.city.locator
    wards = gpd.read_file(service.city.profile.root / "wards.geojson")
    edge = None
    for polygon in wards.geometry:
        for lon, lat in list(polygon.exterior.coords)[::7]:
            answer = locator.locate(lon, lat + 2e-5)
            if answer["in_jurisdiction"] and answer["near_boundary"] \
                    and answer["boundary_distance_m"] > 100:
                edge = (lon, lat + 2e-5)
                break
        if edge:
            break
    assert edge is not None
    created = post(service, service_code="STORM_DRAIN", long=edge[0], lat=edge[1])
    assert created.status_code == 200, created.get_data(as_text=True)
    notice = created.json[0]["service_notice"]
    assert notice and re.search("near the (edge|limit)", notice, re.IGNORECASE)


def test_a_likely_duplicate_is_mentioned(service, points):
    first = file_at(service, points.calm)
    second = file_at(service, points.calm)
    assert first["service_request_id"] in (second["service_notice"] or "")


@pytest.mark.parametrize("key", [False, "", "nope", "abc.def"])
def test_post_without_a_valid_api_key_is_403(service, points, key):
    for fmt in ("json", "xml"):
        answer = post(service, fmt, key=key, service_code="STORM_DRAIN",
                      lat=points.calm.Latitude, long=points.calm.Longitude)
        assert answer.status_code == 403
        assert errors_of(answer)[0][0] == 403


@pytest.mark.parametrize(("form", "word"), [
    ({"service_code": "STORM_DRAIN"}, "location"),
    ({"service_code": "NO_SUCH", "lat": "36.3", "long": "-119.9"}, "service_code"),
    ({"lat": "36.3", "long": "-119.9"}, "service_code"),
    ({"service_code": "STORM_DRAIN", "lat": "north", "long": "-119.9"}, "lat"),
    ({"service_code": "STORM_DRAIN", "lat": "95", "long": "-119.9"}, "lat"),
])
def test_bad_posts_are_4xx_with_an_errors_body(service, form, word):
    answer = post(service, **form)
    assert 400 <= answer.status_code < 500
    described = " ".join(description for _, description in errors_of(answer))
    assert word in described


def test_post_status_codes_follow_the_spec(service, points):
    """POST's possible errors: 404 when the service_code is not found, 400 when it is
    not provided."""
    where = {"lat": points.calm.Latitude, "long": points.calm.Longitude}
    for fmt in ("json", "xml"):
        unknown = post(service, fmt, service_code="NO_SUCH", **where)
        assert unknown.status_code == 404 and errors_of(unknown)[0][0] == 404
        missing = post(service, fmt, **where)
        assert missing.status_code == 400 and errors_of(missing)[0][0] == 400


def test_a_json_body_is_refused(service, points):
    answer = service.client.post(f"{V2}/requests.json", json={
        "api_key": service.key, "service_code": "STORM_DRAIN", "lat": points.calm.Latitude,
        "long": points.calm.Longitude})
    assert answer.status_code == 415


# -- GET requests ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def history(service, points):
    """Requests on known dates (through the store, as an import would), by service and status."""
    base = datetime(2025, 3, 1, 12, tzinfo=UTC)
    lon, lat = float(points.calm.Longitude), float(points.calm.Latitude)
    made = []
    for day in range(0, 200, 2):
        stored = service.store.create_request(NewRequest(
            service_code="POTHOLE" if day % 4 else "STORM_DRAIN", lon=lon, lat=lat,
            districts={"ward": "3" if day % 6 else "5"}, source="import:test",
            requested_datetime=base + timedelta(days=day),
            status="closed" if day % 10 == 0 else "open"))
        made.append(stored)
    return SimpleNamespace(base=base, requests=pd.DataFrame({
        "id": [r.service_request_id for r in made],
        "time": [r.requested_datetime for r in made],
        "code": [r.service_code for r in made], "status": [r.status for r in made],
        "ward": [r.districts["ward"] for r in made]}))


def window(history, days):
    return {"start_date": (history.base - timedelta(hours=1)).isoformat(),
            "end_date": (history.base + timedelta(days=days)).isoformat()}


def test_get_requests_filters_like_pandas(service, history, schemas):
    frame = history.requests
    args = window(history, 60) | {"service_code": "POTHOLE", "status": "open"}
    json_answer, xml_answer = both(service.client, f"{V2}/requests", query_string=args)
    assert json_answer.status_code == 200
    assert_valid(schemas["requests"], json_answer.json)
    assert_xml_matches_json(xml_answer.get_data(), json_answer.json, "service_requests")
    end = history.base + timedelta(days=60)
    expected = frame[(frame.time <= end) & (frame.code == "POTHOLE") & (frame.status == "open")]
    assert sorted(r["service_request_id"] for r in json_answer.json) == sorted(expected.id)


def test_the_district_extension(service, history):
    frame = history.requests
    args = window(history, 89) | {"district[ward]": "5", "extensions": "true"}
    answer = service.client.get(f"{V2}/requests.json", query_string=args)
    end = history.base + timedelta(days=89)
    expected = frame[(frame.time <= end) & (frame.ward == "5")]
    assert sorted(r["service_request_id"] for r in answer.json) == sorted(expected.id)
    assert {r["districts"]["ward"] for r in answer.json} == {"5"}
    answer = service.client.get(f"{V2}/requests.json", query_string={"district[parish]": "1"})
    assert answer.status_code == 400 and "ward" in errors_of(answer)[0][1]


def test_service_request_id_overrides_the_other_arguments(service, history):
    ids = list(history.requests.id[[0, 50, 99]])
    answer = service.client.get(f"{V2}/requests.json", query_string={
        "service_request_id": ",".join(ids + ["unknown-id"]), "status": "closed",
        "start_date": "2001-01-01T00:00:00Z", "end_date": "2001-01-02T00:00:00Z"})
    assert answer.status_code == 200
    assert sorted(r["service_request_id"] for r in answer.json) == sorted(ids)


def test_empty_arguments_count_as_absent(service, history):
    args = window(history, 30)
    plain = service.client.get(f"{V2}/requests.json", query_string=args)
    empty = service.client.get(f"{V2}/requests.json", query_string=args | {
        "service_code": "", "status": "", "service_request_id": "", "jurisdiction_id": ""})
    assert plain.status_code == empty.status_code == 200
    assert plain.json == empty.json and plain.json


def test_the_default_window_is_the_last_90_days(service, history, points):
    file_at(service, points.calm)
    answer = service.client.get(f"{V2}/requests.json")
    assert answer.status_code == 200
    now = datetime.now(UTC)
    times = [datetime.fromisoformat(r["requested_datetime"]) for r in answer.json]
    assert times and all(now - timedelta(days=90, minutes=5) <= t <= now for t in times)
    assert not set(history.requests.id) & {r["service_request_id"] for r in answer.json}


@pytest.mark.parametrize("args", [
    {"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-04-02T00:00:00Z"},   # 91 days
    {"start_date": "2025-04-01T00:00:00Z", "end_date": "2025-01-01T00:00:00Z"},
    {"start_date": "2025-01-01T00:00:00"},                                         # no zone
    {"end_date": "last tuesday"},
    {"status": "pending"},
    {"district[ward][x]": "1"},
])
def test_bad_get_arguments_are_400(service, args):
    for answer in both(service.client, f"{V2}/requests", query_string=args):
        assert answer.status_code == 400
        assert errors_of(answer)[0][0] == 400


def test_at_most_1000_rows(service, points):
    lon, lat = float(points.calm.Longitude), float(points.calm.Latitude)
    base = datetime(2023, 1, 1, tzinfo=UTC)
    service.store.insert_many([NewRequest(service_code="BULKY", lon=lon, lat=lat,
                                          requested_datetime=base + timedelta(minutes=i),
                                          source="import:bulk", external_id=str(i))
                               for i in range(1005)], actor="test")
    answer = service.client.get(f"{V2}/requests.json", query_string={
        "start_date": base.isoformat(), "end_date": (base + timedelta(days=2)).isoformat()})
    assert answer.status_code == 200 and len(answer.json) == 1000


@pytest.mark.parametrize("path", ["requests/no-such-id", "tokens/no-such-token"])
def test_unknown_ids_are_404(service, path):
    for answer in both(service.client, f"{V2}/{path}"):
        assert answer.status_code == 404
        assert errors_of(answer)[0][0] == 404


@pytest.mark.parametrize(("path", "args"), [
    ("requests/a%00b", {}), ("tokens/%00", {}), ("services/%00", {}),
    ("requests", {"service_request_id": "x\x00"}), ("requests", {"district[ward]": "\x00"}),
])
def test_a_nul_anywhere_is_400(service, path, args):
    for answer in both(service.client, f"{V2}/{path}", query_string=args):
        assert answer.status_code == 400
        assert "NUL" in errors_of(answer)[0][1]


def test_unknown_format_is_404(service):
    assert service.client.get(f"{V2}/services.csv").status_code == 404


# -- hostile text ----------------------------------------------------------------------------

HOSTILE = "<script>alert(1)</script> ]]> <![CDATA[x]]> & &amp; \" ' \r\n\t end \u202e"
CONTROL = "bell\x07 backspace\x08 escape\x1b del\x7f"   # PostgreSQL text cannot hold NUL


def test_hostile_text_comes_back_escaped(service, points):
    definitions = service.app.extensions["geo311"]["definitions"]
    code, attribute = next(
        (row["service_code"], attribute) for row in definitions.services()
        for attribute in definitions.definition(row["service_code"])["attributes"]
        if attribute["datatype"] == "text")
    form = {f"attribute[{attribute['code']}]": HOSTILE, "description": HOSTILE}
    for other in definitions.definition(code)["attributes"]:
        if other["required"] and other["code"] != attribute["code"]:
            form[f"attribute[{other['code']}]"] = (other.get("values") or [{"key": "1"}])[0][
                "key"]
    answer = post(service, service_code=code, lat=points.calm.Latitude,
                  long=points.calm.Longitude, **form)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    request_id = answer.json[0]["service_request_id"]
    json_answer, xml_answer = both(service.client, f"{V2}/requests/{request_id}",
                                   query_string={"extensions": "true"})
    raw_json, raw_xml = json_answer.get_data(), xml_answer.get_data()
    assert b"<script>" not in raw_json and b"<script>" not in raw_xml
    assert b"]]>" not in raw_xml
    [row] = json_answer.json
    assert row["description"] == HOSTILE
    assert {"code": attribute["code"], "value": HOSTILE} in row["attributes"]
    assert_xml_matches_json(raw_xml, json_answer.json, "service_requests")
    root = ET.fromstring(raw_xml)
    assert root.find("request").findtext("description") == HOSTILE     # even the \r


def test_control_characters_are_refused_at_intake(service, points):
    for form in ({"description": CONTROL}, {"attribute[DETAILS]": CONTROL},
                 {"description": "nul\x00"}):
        answer = post(service, service_code="ENCAMPMENT", lat=points.calm.Latitude,
                      long=points.calm.Longitude, **form)
        assert answer.status_code == 400
        assert re.search("control character|NUL", errors_of(answer)[0][1])


def test_control_characters_from_an_import_come_back_escaped(service, points, schemas):
    stored = service.store.create_request(NewRequest(
        service_code="ENCAMPMENT", lon=float(points.calm.Longitude),
        lat=float(points.calm.Latitude), description=CONTROL + HOSTILE,
        attributes={"DETAILS": [CONTROL]}, source="import:legacy"))
    json_answer, xml_answer = both(service.client, f"{V2}/requests/{stored.service_request_id}",
                                   query_string={"extensions": "true"})
    assert json_answer.json[0]["description"] == CONTROL + HOSTILE
    assert_valid(schemas["requests"], json_answer.json)
    raw_xml = xml_answer.get_data()
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", raw_xml)
    assert_xml_matches_json(raw_xml, json_answer.json, "service_requests")   # as U+FFFD


def test_attributes_required_and_multivalue(service, points, demo_dir):
    raw = json.loads((demo_dir / "service_definitions.json").read_text())
    [items] = [a for a in raw["BULKY"]["attributes"] if a["code"] == "ITEMS"]
    keys = [value["key"] for value in items["values"]]
    where = {"service_code": "BULKY", "lat": points.calm.Latitude,
             "long": points.calm.Longitude}
    missing = post(service, **where)
    assert missing.status_code == 400 and "ITEMS" in errors_of(missing)[0][1]
    wrong = post(service, **where, **{"attribute[ITEMS][]": "no-such-key"})
    assert wrong.status_code == 400 and "no-such-key" in errors_of(wrong)[0][1]
    data = {"api_key": service.key, **where, "attribute[ITEMS][]": keys[:2]}
    answer = service.client.post(f"{V2}/requests.json", data=data)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    stored = service.store.get_by_token(answer.json[0]["token"])      # BULKY is a batch one
    assert sorted(stored.attributes["ITEMS"]) == sorted(keys[:2])


# -- FixMyStreet servicerequestupdates -------------------------------------------------------

def test_updates_round_trip(service, points):
    created = file_at(service, points.calm)
    request_id = created["service_request_id"]
    when = datetime.now(UTC).replace(microsecond=0)
    form = {"api_key": service.staff, "service_request_id": request_id, "status": "FIXED",
            "updated_datetime": when.isoformat(), "description": "Painted over <b>today</b>",
            "update_id": "crm-1"}
    answer = service.client.post(f"{V2}/servicerequestupdates.xml", data=form)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    root = ET.fromstring(answer.get_data())
    assert root.tag == "service_request_updates"
    update_id = root.find("request_update").findtext("update_id")
    assert update_id
    [row] = service.client.get(f"{V2}/requests/{request_id}.json").json
    assert row["status"] == "closed" and row["status_notes"] == "Painted over <b>today</b>"
    args = {"start_date": (when - timedelta(minutes=1)).isoformat(),
            "end_date": (when + timedelta(minutes=1)).isoformat()}
    json_answer, xml_answer = both(service.client, f"{V2}/servicerequestupdates",
                                   query_string=args)
    mine = [u for u in json_answer.json if u["update_id"] == update_id]
    assert mine == [{"update_id": update_id, "service_request_id": request_id,
                     "status": "CLOSED", "updated_datetime": when.isoformat(),
                     "description": "Painted over <b>today</b>", "media_url": None}]
    assert_xml_matches_json(xml_answer.get_data(), json_answer.json, "service_request_updates")


def test_a_retried_update_is_recorded_once_and_keeps_its_media_url(service, points):
    request_id = file_at(service, points.calm)["service_request_id"]
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    form = {"api_key": service.staff, "service_request_id": request_id, "status": "CLOSED",
            "updated_datetime": when.isoformat(), "description": "gone",
            "update_id": "fms-4242", "media_url": "https://example.org/after.jpg"}
    ids = []
    for _ in range(3):                  # the CRM retries (its first answer was lost)
        answer = service.client.post(f"{V2}/servicerequestupdates.json", data=form)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        ids.append(answer.json[0]["update_id"])
    assert len(set(ids)) == 1
    history = service.store.history(request_id)
    assert [h["to"] for h in history] == ["open", "closed"]     # recorded once
    listed = service.client.get(f"{V2}/servicerequestupdates.json", query_string={
        "start_date": (when - timedelta(seconds=1)).isoformat(),
        "end_date": (when + timedelta(seconds=1)).isoformat()}).json
    mine = [u for u in listed if u["service_request_id"] == request_id]
    assert [(u["update_id"], u["media_url"]) for u in mine] == [
        (ids[0], "https://example.org/after.jpg")]
    # another update_id is another update
    answer = service.client.post(f"{V2}/servicerequestupdates.json",
                                 data={**form, "update_id": "fms-4243", "status": "OPEN"})
    assert answer.json[0]["update_id"] != ids[0]
    assert service.store.get_request(request_id).status == "open"


def test_updates_need_a_staff_key(service, points):
    request_id = file_at(service, points.calm)["service_request_id"]
    for key in (service.key, "wrong", None):
        form = {"service_request_id": request_id, "status": "CLOSED", "description": "x"}
        if key:
            form["api_key"] = key
        answer = service.client.post(f"{V2}/servicerequestupdates.json", data=form)
        assert answer.status_code == 403
    assert service.store.get_request(request_id).status == "open"


def test_an_update_of_an_unknown_request_is_404(service):
    answer = service.client.post(f"{V2}/servicerequestupdates.json", data={
        "api_key": service.staff, "service_request_id": "nope", "status": "CLOSED"})
    assert answer.status_code == 404


def test_the_schema_check_itself_catches_violations(schemas):
    """Guard against a vacuous check: the validators refuse what the schemas forbid."""
    good = {"service_request_id": "a", "status": "open", "service_code": "X",
            "requested_datetime": "2025-01-01T00:00:00+00:00"}
    assert not list(schemas["requests"].iter_errors([good]))
    for bad in ({"status": "pending"}, {"requested_datetime": "2025-01-01T00:00:00"},
                {"media_url": "not a url"}, {"lat": "36.1"}, {"description": "x" * 4001}):
        assert list(schemas["requests"].iter_errors([good | bad])), bad
    assert list(schemas["services"].iter_errors([{"service_code": "X", "service_name": "x",
                                                   "metadata": "yes", "type": "realtime"}]))
