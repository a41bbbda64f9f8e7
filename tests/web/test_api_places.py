"""/api/v1 places: validate, locate, reverse, districts, and the OpenAPI document."""

from __future__ import annotations

import json
import tomllib

import geopandas as gpd
import pytest

from geo311.city import City
from geo311.web import create_app

PAYLOAD = "<script>alert('x')</script> 12 main st"


@pytest.fixture(scope="module")
def city(demo_dir):
    return City.open(demo_dir)


@pytest.fixture(scope="module")
def client(city):
    return create_app(city).test_client()


def test_locate_answers_as_the_library_does(client, city):
    for lon, lat in [(-119.9, 36.3), (-119.7, 36.1), (0.5, 0.5)]:
        response = client.get(f"/api/v1/locate?lon={lon}&lat={lat}")
        assert response.status_code == 200
        assert response.json == json.loads(json.dumps(city.locator.locate(lon, lat)))


@pytest.mark.parametrize("query", ["lon=abc&lat=1", "lon=1_0&lat=1", "lon=nan&lat=1",
                                   "lon=&lat=1", "lat=1", "lon=200&lat=1", "lon=%D9%A1&lat=1"])
def test_a_bad_coordinate_is_400(client, query):
    for path in ("/api/v1/locate", "/api/v1/reverse"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400, (path, query)
        [error] = response.json
        assert error["code"] == 400 and "lon" in error["description"]


def test_validate_returns_the_answer_and_keeps_a_script_payload_as_inert_json(client, city):
    response = client.get("/api/v1/validate", query_string={"address": PAYLOAD})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.json["input"] == PAYLOAD
    assert response.json == json.loads(json.dumps(city.validator.validate(PAYLOAD)))


def test_validate_needs_an_address(client):
    response = client.get("/api/v1/validate?zip=93001")
    assert response.status_code == 400
    assert response.json == [{"code": 400, "description": "address is required"}]


def test_reverse_names_the_nearest_reference_address(client, city):
    lon, lat = city.profile.boundary.representative_point().coords[0]
    response = client.get(f"/api/v1/reverse?lon={lon}&lat={lat}")
    assert response.status_code == 200
    assert response.json["address"] == city.validator.reverse(lon, lat)["address"]


def test_districts_list_every_feature_of_every_layer(client, demo_dir):
    config = tomllib.loads((demo_dir / "profile.toml").read_text())
    response = client.get("/api/v1/districts")
    assert response.status_code == 200
    layers = {layer["key"]: layer for layer in response.json["layers"]}
    assert set(layers) == {table["key"] for table in config["districts"]}
    for table in config["districts"]:
        frame = gpd.read_file(demo_dir / table["layer"])
        expected = {(str(i), str(n)) for i, n in zip(frame[table["id_field"]],
                                                      frame[table["name_field"]], strict=True)}
        got = layers[table["key"]]["features"]
        assert {(f["id"], f["name"]) for f in got} == expected
        assert all("geometry" not in f for f in got)


def test_districts_of_one_layer_with_geometry(client, demo_dir):
    key = tomllib.loads((demo_dir / "profile.toml").read_text())["districts"][0]["key"]
    response = client.get(f"/api/v1/districts?key={key}&geometry=true")
    [layer] = response.json["layers"]
    assert layer["key"] == key
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in layer["features"])
    assert client.get("/api/v1/districts?key=nope").status_code == 404
    assert client.get("/api/v1/districts?geometry=maybe").status_code == 400


def test_the_openapi_document_covers_every_api_rule(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    rules = [rule for rule in client.application.url_map.iter_rules()
             if rule.endpoint.startswith("api.")]
    assert len(rules) >= 13
    paths = set()
    for rule in rules:
        path = rule.rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}")
        paths.add(path)
        assert path in document["paths"], rule.rule
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = document["paths"][path][method.lower()]
            declared = {p["name"] for p in operation.get("parameters", [])}
            assert set(rule.arguments) <= declared, rule.rule
    assert set(document["paths"]) == paths  # nothing documented that is not served
