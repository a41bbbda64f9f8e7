"""The request store on SQLite and PostgreSQL: round trips, ids, privacy, queries."""

from __future__ import annotations

import base64
import json
import math
import os
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from geo311.errors import InputError
from geo311.service.records import Contact, NewRequest, RequestQuery
from geo311.service.store import open_store

CONTACT = Contact(email="ana@example.org", phone="555-0142", first_name="Ana",
                  last_name="Quintero", device_id="device-77", account_id="acct-9")
PACIFIC = timezone(timedelta(hours=-8))


@pytest.fixture(scope="module")
def store(store_url):
    store = open_store(store_url)
    yield store
    store.close()


def test_sqlite_settings(tmp_path):
    """WAL, foreign keys on, synchronous FULL, reads through a memory map on every
    connection."""
    store = open_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    with store.engines.write.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA mmap_size").scalar() == 256 * 1024 * 1024
    store.close()


def test_default_location_is_geo311_db(tmp_path, monkeypatch):
    monkeypatch.setenv("GEO311_DB", str(tmp_path / "sub" / "db.sqlite"))
    open_store().close()
    assert (tmp_path / "sub" / "db.sqlite").exists()


def test_bad_url_is_an_input_error():
    with pytest.raises(InputError, match="sqlite or postgresql"):
        open_store("mysql://x@localhost/db")


@pytest.mark.filterwarnings("ignore:Did not recognize type 'geometry'")
def test_migrations_create_the_models(store_url, store):
    """The Alembic migration and the models describe the same schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from geo311.service.store.models import Base

    engine = create_engine(store.engines.url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "include_object": lambda obj, name, kind, *_: name not in (
                "geom", "ix_requests_geom", "spatial_ref_sys")
            and not str(name).startswith("request_rtree")})
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_round_trip_in_utc(store):
    new = NewRequest(
        "POTHOLE", "Pothole", -118.25, 34.05, address="1200 N MAIN ST", address_id="A17",
        zipcode="90012", districts={"ward": "3", "police": None}, description="deep hole",
        requested_datetime=datetime(2025, 3, 1, 9, 30, tzinfo=PACIFIC),
        attributes={"SIZE": ["large"], "WHERE": ["lane", "curb"]},
        media_url="https://example.org/p.jpg", contact=CONTACT, service_notice="near an edge",
        source="open311", agency_responsible="Streets")
    stored = store.create_request(new)
    again = store.get_request(stored.service_request_id)
    assert again == stored
    assert store.get_by_token(stored.token) == stored
    for name in ("service_code", "service_name", "lon", "lat", "address", "address_id",
                 "zipcode", "description", "media_url", "contact", "service_notice",
                 "source", "agency_responsible", "status"):
        assert getattr(again, name) == getattr(new, name), name
    assert again.districts == {"ward": "3", "police": None}
    assert again.attributes == {"SIZE": ["large"], "WHERE": ["lane", "curb"]}
    assert again.requested_datetime == datetime(2025, 3, 1, 17, 30, tzinfo=UTC)
    assert again.requested_datetime.utcoffset() == timedelta(0)
    assert again.public()["requested_datetime"] == "2025-03-01T17:30:00+00:00"
    assert store.get_request("no-such-id") is None
    assert store.get_by_token(stored.service_request_id) is None


def test_naive_times_are_refused():
    with pytest.raises(InputError, match="time zone"):
        NewRequest("POTHOLE", lon=1.0, lat=1.0, requested_datetime=datetime(2025, 1, 1))


def test_ids_and_tokens_are_random(store):
    made = [store.create_request(NewRequest("IDS", lon=-118.0, lat=34.0)) for _ in range(120)]
    ids = [r.service_request_id for r in made]
    tokens = [r.token for r in made]
    everything = ids + tokens
    assert len(set(everything)) == len(everything)
    alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    for value in everything:
        assert set(value) <= alphabet
        assert len(base64.urlsafe_b64decode(value + "==")) * 8 >= 96
    # random: sorted neighbors share only a character or two; creation order is not id order
    ordered = sorted(everything)
    shared = [len(os.path.commonprefix(pair)) for pair in zip(ordered, ordered[1:], strict=False)]
    assert max(shared) <= 5
    assert ids != sorted(ids)
    # the characters at each position are spread (no fixed or time-like prefix)
    for position in range(4):
        assert len({value[position] for value in ids}) > 30


def test_public_answers_hold_no_contact(store):
    stored = store.create_request(NewRequest("PRIVACY", lon=-118.0, lat=34.0, contact=CONTACT))
    private_fields = ("email", "phone", "first_name", "last_name", "device_id", "account_id")
    for answer in (stored.public(), store.get_request(stored.service_request_id).public(),
                   *(r.public() for r in store.list_requests(
                       RequestQuery(service_codes=["PRIVACY"])))):
        assert not set(private_fields) & set(answer)
        assert "token" not in answer
        text_form = json.dumps(answer)
        for value in CONTACT.as_dict().values():
            assert value not in text_form
    private = stored.private()
    assert {name: private[name] for name in private_fields} == CONTACT.as_dict()


def _haversine(lon0, lat0, lon, lat):
    """Great-circle metres, written here as the oracle (mean Earth radius)."""
    p0, p = math.radians(lat0), np.radians(lat)
    h = (np.sin((p - p0) / 2) ** 2
         + math.cos(p0) * np.cos(p) * np.sin(np.radians(lon - lon0) / 2) ** 2)
    return 2 * 6371008.8 * np.arcsin(np.sqrt(h))


@pytest.fixture(scope="module")
def population(store):
    """600 requests around a point, random codes, statuses, times and wards; and as a frame."""
    rng = np.random.default_rng(9)
    n = 600
    frame = pd.DataFrame({
        "code": rng.choice(["Q_A", "Q_B", "Q_C"], n),
        "status": rng.choice(["open", "closed"], n, p=[0.6, 0.4]),
        "lon": -118.3 + rng.normal(0, 0.004, n),
        "lat": 34.1 + rng.normal(0, 0.004, n),
        "ward": rng.choice(["1", "2", "3", "4"], n),
        "police": rng.choice(["N", "S"], n),
        "created": pd.Timestamp("2025-01-01", tz="UTC")
        + pd.to_timedelta(rng.integers(0, 200 * 86400, n), unit="s"),
    })
    news = [NewRequest(r.code, lon=r.lon, lat=r.lat, status=r.status,
                       districts={"ward": r.ward, "police": r.police},
                       requested_datetime=r.created.to_pydatetime(),
                       closed_datetime=r.created.to_pydatetime() + timedelta(days=1)
                       if r.status == "closed" else None,
                       source="import:test", external_id=str(i))
            for i, r in enumerate(frame.itertuples())]
    store.insert_many(news, "test")
    stored = store.list_requests(RequestQuery(service_codes=["Q_A", "Q_B", "Q_C"], limit=1000))
    by_external = {r.external_id: r.service_request_id for r in stored}
    frame["id"] = [by_external[str(i)] for i in range(n)]
    return frame


@pytest.mark.parametrize("query, keep", [
    (dict(service_codes=["Q_A"]), lambda f: f.code == "Q_A"),
    (dict(statuses=["open"]), lambda f: f.status == "open"),
    (dict(start="2025-03-01", end="2025-04-15T12:00:00+00:00"),
     lambda f: (f.created >= pd.Timestamp("2025-03-01", tz="UTC"))
     & (f.created < pd.Timestamp("2025-04-15 12:00", tz="UTC"))),
    (dict(districts={"ward": ["2", "4"], "police": ["N"]}),
     lambda f: f.ward.isin(["2", "4"]) & (f.police == "N")),
    (dict(bbox=(-118.302, 34.098, -118.297, 34.103), statuses=["open", "closed"]),
     lambda f: f.lon.between(-118.302, -118.297) & f.lat.between(34.098, 34.103)),
    (dict(districts={"ward": ["1"]}, start="2025-02-01T00:00:00-08:00", service_codes="Q_B"),
     lambda f: (f.ward == "1") & (f.created >= pd.Timestamp("2025-02-01 08:00", tz="UTC"))
     & (f.code == "Q_B")),
])
def test_list_requests_matches_pandas(store, population, query, keep):
    query = dict(query)  # the parameters are shared by both databases
    codes = query.pop("service_codes", ["Q_A", "Q_B", "Q_C"])
    got = store.list_requests(RequestQuery(service_codes=codes, **query))
    expected = population[keep(population) & population.code.isin(
        [codes] if isinstance(codes, str) else codes)]
    assert expected.shape[0] > 0
    assert sorted(r.service_request_id for r in got) == sorted(expected.id)
    times = [r.requested_datetime for r in got]
    assert times == sorted(times, reverse=True)


def test_list_requests_pages(store, population):
    codes = ["Q_A", "Q_B", "Q_C"]
    everything = store.list_requests(RequestQuery(service_codes=codes, limit=1000))
    pages = [r for offset in range(0, 600, 250) for r in store.list_requests(
        RequestQuery(service_codes=codes, limit=250, offset=offset))]
    assert [r.service_request_id for r in pages] == [r.service_request_id for r in everything]
    assert store.count_requests(RequestQuery(service_codes=codes, limit=1)) == 600
    assert store.count_requests(RequestQuery(service_codes=codes, districts={"ward": ["1"]})) \
        == (population.ward == "1").sum()
    newest = population.sort_values("created", ascending=False).id.head(5).tolist()
    assert [r.service_request_id for r in everything[:5]] == newest


@pytest.mark.parametrize("bad", [dict(limit=0), dict(limit=1001), dict(offset=-1),
                                 dict(start="soon"), dict(bbox=(1, 2, 0, 3)),
                                 dict(statuses=["lost"])])
def test_bad_queries_are_input_errors(bad):
    with pytest.raises(InputError):
        RequestQuery(**bad)


@pytest.mark.parametrize("radius", [50.0, 300.0, 1000.0])
def test_nearby_open_matches_brute_force(store, population, radius):
    open_ = population[population.status == "open"]
    for lon, lat in [(-118.3, 34.1), (-118.303, 34.097), (-118.29, 34.11)]:
        got = store.nearby_open(lon, lat, radius, limit=1000)
        distance = _haversine(lon, lat, open_.lon.to_numpy(), open_.lat.to_numpy())
        near = open_[distance <= radius].assign(d=distance[distance <= radius]).sort_values("d")
        assert [r.service_request_id for r, _ in got if r.service_code.startswith("Q_")] == \
            near.id.tolist()
        got_d = [d for r, d in got if r.service_code.startswith("Q_")]
        np.testing.assert_allclose(got_d, near.d, rtol=1e-9)
        # the service filter, and the limit keeps the nearest
        only_b = [r.service_request_id for r, _ in store.nearby_open(
            lon, lat, radius, service_code="Q_B", limit=3)]
        assert only_b == near[near.code == "Q_B"].id.head(3).tolist()


def test_nearby_since_and_bad_arguments(store, population):
    since = datetime(2025, 5, 1, tzinfo=UTC)
    got = store.nearby_open(-118.3, 34.1, 800, since=since, limit=1000)
    assert got and all(r.requested_datetime >= since for r, _ in got)
    for bad in (dict(radius_m=0), dict(radius_m=float("nan")), dict(limit=0)):
        with pytest.raises(InputError):
            store.nearby_open(-118.3, 34.1, **{"radius_m": 10, **bad})
    with pytest.raises(InputError):
        store.nearby_open(-200, 34.1, 10)


def test_nearby_rows_are_the_full_rows_public_fields(store, population):
    """``nearby_open`` reads public columns only: each row's ``public()`` is the full row's,
    and nothing private is on it."""
    found = store.nearby_open(-118.3, 34.1, 1000, limit=1000)
    assert len(found) > 10
    for lean, _ in found:
        full = store.get_request(lean.service_request_id)
        assert lean.public() == full.public()
        assert not hasattr(lean, "token") and not hasattr(lean, "email")


def test_spatial_index_is_used(store):
    """PostGIS plans the box through the GiST index; SQLite through the R-tree."""
    from sqlalchemy import select

    from geo311.service.store.models import Request
    from geo311.service.store.spatial import box_condition

    statement = select(Request.__table__.c.pk).where(
        box_condition(store.dialect, (-118.31, 34.09, -118.29, 34.11)))
    with store.engines.read.connect() as connection:
        if store.dialect == "postgresql":
            connection.execute(text("SET enable_seqscan = off"))
            plan = connection.execute(text("EXPLAIN " + str(statement.compile(
                connection, compile_kwargs={"literal_binds": True})))).all()
            assert "ix_requests_geom" in " ".join(row[0] for row in plan)
        else:
            plan = connection.execute(text("EXPLAIN QUERY PLAN " + str(statement.compile(
                connection, compile_kwargs={"literal_binds": True})))).all()
            assert "request_rtree" in " ".join(str(row) for row in plan)


GEOREPORT_FIELDS = ("service_request_id", "status", "status_notes", "service_name",
                    "service_code", "description", "agency_responsible", "service_notice",
                    "requested_datetime", "updated_datetime", "expected_datetime", "address",
                    "address_id", "zipcode", "lat", "long", "media_url")


def _to_the_second(text: str | None) -> str | None:
    """An ISO time of ``public()`` as UTC to the second (the GeoReport form)."""
    if text is None:
        return None
    moment = datetime.fromisoformat(text).astimezone(UTC).replace(microsecond=0)
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _georeport(public: dict) -> dict:
    """A full row's ``public()`` as the GeoReport request fields, times to the second."""
    return {name: _to_the_second(public[name]) if name.endswith("_datetime") else public[name]
            for name in GEOREPORT_FIELDS}


@pytest.mark.parametrize("query", [
    dict(service_codes=["Q_A", "Q_B", "Q_C", "L_M"]),
    dict(districts={"ward": ["2"]}, start="2025-02-01", end="2025-03-03"),
    dict(districts={"ward": ["1", "3"], "police": ["S"]}, statuses=["open"], limit=50,
         offset=20),
    dict(bbox=(-118.302, 34.098, -118.297, 34.103)),
])
def test_list_public_equals_the_full_public_answer(store, population, query):
    """The lean read path gives the GeoReport fields of the full rows' ``public()`` (times
    in UTC to the second), in the same order; with extensions also the attributes,
    districts and duplicate_of."""
    if not store.count_requests(RequestQuery(service_codes=["L_M"])):
        store.insert_many([NewRequest(
            "L_M", lon=-118.3, lat=34.1, districts={"ward": "2", "police": "S"},
            requested_datetime=datetime(2025, 2, 10, 12, i, 30, 250_000, tzinfo=UTC),
            attributes={"SIZE": ["large"], "WHERE": ["lane", "curb"]} if i % 2 else {},
            media_url=f"https://example.org/{i}.jpg" if i % 3 else None, contact=CONTACT,
            source="import:test", external_id=f"lm{i}")
            for i in range(6)], "test")
    full = store.list_requests(RequestQuery(**query))
    assert len(full) > 0
    lean = store.list_public(RequestQuery(**query))
    assert [_georeport(r.public()) for r in full] == lean
    assert all(list(values) == list(GEOREPORT_FIELDS) for values in lean)   # the spec's order
    with_extensions = store.list_public(RequestQuery(**query), extensions=True)
    assert [{**_georeport(r.public()), "attributes": r.attributes, "districts": r.districts,
             "duplicate_of": r.duplicate_of} for r in full] == with_extensions
    if "L_M" in query.get("service_codes", ()):  # the sample holds media and attributes
        assert any(r.media_url for r in full) and any(r.attributes for r in full)


def test_request_frame_equals_the_listed_requests(store, population):
    """The streaming column read of the analyses gives the rows list_requests pages
    through, in the same order, times as UTC datetimes; too many rows show as one more."""
    query = RequestQuery(service_codes=["Q_A", "Q_B"], districts={"ward": ["1", "2"]})
    columns = ["service_request_id", "requested_datetime", "closed_datetime", "lon", "status"]
    frame = store.request_frame(query, columns, max_rows=1000)
    full = store.list_requests(query)
    assert len(full) > 0
    assert frame["service_request_id"].tolist() == [r.service_request_id for r in full]
    assert frame["requested_datetime"].tolist() == [r.requested_datetime for r in full]
    assert str(frame["requested_datetime"].dtype).endswith("UTC]")
    assert [None if pd.isna(t) else t for t in frame["closed_datetime"]] == \
        [r.closed_datetime for r in full]
    assert frame["lon"].tolist() == [r.lon for r in full]
    assert len(store.request_frame(query, columns, max_rows=5)) == 6
    with pytest.raises(InputError, match="nothing"):
        store.request_frame(query, ["status", "nothing"], max_rows=5)
