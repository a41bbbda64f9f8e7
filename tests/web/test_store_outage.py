"""The PostgreSQL store going away under the service: a restart is invisible (dropped pooled
connections are replaced before use), an outage is a 503 with Retry-After that stores
nothing, and the service recovers by itself when the database is back."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from geo311.city import City
from geo311.service.store import open_store
from geo311.web import create_app

V2 = "/open311/v2"


@pytest.fixture(scope="module")
def service(demo_dir, store_url):
    city = City.open(demo_dir)
    store = open_store(store_url)
    app = create_app(city, store, config={"GEO311_POST_LIMIT": "100000 per minute"})
    points = pd.read_csv(demo_dir / "address_points.csv", dtype=str)
    inside = points[points["jurisdiction"] == "rivergate"].iloc[0]
    yield app.test_client(), store, store.create_api_key("app"), inside, store_url
    store.close()


@pytest.fixture()
def admin(service):
    """A connection to the server's maintenance database, and the store's database name."""
    url = make_url(service[4])
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        yield connection, url.database
    engine.dispose()


def _drop_connections(connection, name: str) -> int:
    return len(connection.execute(text(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name}).all())


def _post(client, key, point, description):
    return client.post(f"{V2}/requests.json", data={
        "api_key": key, "service_code": "STORM_DRAIN", "lat": point.Latitude,
        "long": point.Longitude, "description": description})


def _stored(store, description) -> int:
    with store.engines.read.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM requests WHERE description = :d"),
                                  {"d": description}).scalar_one()


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_a_restart_drops_pooled_connections_and_no_request_notices(service, admin):
    client, store, key, point, _ = service
    assert client.get(f"{V2}/requests.json").status_code == 200   # the pool holds connections
    connection, name = admin
    assert _drop_connections(connection, name) >= 1
    assert client.get(f"{V2}/requests.json").status_code == 200
    answer = _post(client, key, point, "after the restart")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert _stored(store, "after the restart") == 1


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_an_outage_is_a_503_that_stores_nothing_and_the_service_recovers(service, admin):
    client, store, key, point, _ = service
    connection, name = admin
    connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
    try:
        _drop_connections(connection, name)
        for fmt in ("json", "xml"):
            answer = client.get(f"{V2}/requests.{fmt}")
            assert answer.status_code == 503, answer.get_data(as_text=True)
            assert answer.headers["Retry-After"] == "5"
            assert b"try again" in answer.get_data()
        posted = _post(client, key, point, "during the outage")
        assert posted.status_code == 503
        [error] = json.loads(posted.get_data())
        assert error["code"] == 503 and "nothing was saved" in error["description"]
        page = client.get("/status/" + "a" * 32)       # a page: the pages' own error page
        assert page.status_code == 503 and page.mimetype == "text/html"
        assert page.headers["Retry-After"] == "5"
    finally:
        connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
    assert client.get(f"{V2}/requests.json").status_code == 200
    assert _post(client, key, point, "after the outage").status_code == 200
    assert _stored(store, "during the outage") == 0
    assert _stored(store, "after the outage") == 1
