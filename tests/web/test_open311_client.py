"""A third-party GeoReport v2 client (PyPI ``georeport``) reads a live geo311 server.

The server is the real WSGI app on a loopback socket (werkzeug in a thread); the
client speaks HTTP to it with ``requests`` and parses JSON, or XML with ``xmltodict``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from georeport import GeoReport

from geo311.city import City
from geo311.service.store import open_store
from geo311.web import create_app
from testsupport.georeport import live_server


@pytest.fixture(scope="module")
def server(demo_dir, store_url):
    store = open_store(store_url)
    app = create_app(City.open(demo_dir), store)
    key = store.create_api_key("client test")
    point = pd.read_csv(demo_dir / "address_points.csv", dtype=str).query(
        "jurisdiction == 'rivergate'").iloc[100]
    client = app.test_client()      # the package has no POST: file two requests directly
    made = [client.post("/open311/v2/requests.json", data={
        "api_key": key, "service_code": code, "lat": point.Latitude, "long": point.Longitude,
        "description": f"client test {code}"}).json[0]["service_request_id"]
        for code in ("STORM_DRAIN", "ENCAMPMENT")]
    with live_server(app) as url:
        yield url, made


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_georeport_client_reads_services_definitions_and_requests(server, fmt):
    url, made = server
    client = GeoReport(f"{url}/open311/v2", jurisdiction="rivergate", output_format=fmt)
    services = client.get_service_list()
    codes = {service["service_code"] for service in services}
    assert {"STORM_DRAIN", "ENCAMPMENT"} <= codes
    with_metadata = [s["service_code"] for s in services if s["metadata"] in (True, "true")]
    assert with_metadata
    definition = client.get_service_definition(with_metadata[0])
    assert definition["service_code"] == with_metadata[0]
    attributes = definition["attributes"]
    if fmt == "xml":            # xmltodict: one child is a dict, several a list
        attributes = attributes["attribute"]
        attributes = attributes if isinstance(attributes, list) else [attributes]
    assert attributes and all("code" in attribute for attribute in attributes)
    now = datetime.now(UTC)
    listed = client.get_service_requests(
        start_date=(now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        end_date=(now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    listed = listed if isinstance(listed, list) else [listed]
    assert set(made) <= {row["service_request_id"] for row in listed}
    by_code = client.get_service_requests(service_code="ENCAMPMENT")
    by_code = by_code if isinstance(by_code, list) else [by_code]
    assert {row["service_code"] for row in by_code} == {"ENCAMPMENT"}
    one = client.get_service_request(made[0])
    assert one["service_request_id"] == made[0] and one["service_code"] == "STORM_DRAIN"
    assert one["description"] == "client test STORM_DRAIN"
