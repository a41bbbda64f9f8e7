"""Fixtures of the web tests: the demo city, a store seeded from the demo's requests, keys."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest

from geo311.city import City
from geo311.service.records import Contact, NewRequest
from geo311.service.store import open_store
from geo311.web import create_app

SEEDED = 400


@dataclass
class Served:
    """An app over a seeded store, with its keys and the seeded rows."""

    app: object
    store: object
    city: City
    rows: pd.DataFrame
    staff_key: str
    public_key: str


@pytest.fixture(scope="module")
def demo_city(demo_dir) -> City:
    return City.open(demo_dir)


def seed_requests(store, city: City, demo_dir, n: int = SEEDED) -> pd.DataFrame:
    """Store the demo's last ``n`` requests (their status kept, contact details made up);
    return them as read from the CSV, with their districts."""
    rows = pd.read_csv(demo_dir / "requests.csv", dtype=str, keep_default_na=False)
    rows = rows.tail(n).reset_index(drop=True)
    rows["lon"] = pd.to_numeric(rows["lon"], errors="coerce")
    rows["lat"] = pd.to_numeric(rows["lat"], errors="coerce")
    located = city.locator.locate_many(rows["lon"].to_numpy(), rows["lat"].to_numpy(),
                                       near_boundary=False)
    for key, codes in located.districts.items():
        ids = [*city.locator.district_layer(key).ids, None]
        rows[f"{key}_id"] = [ids[c] for c in codes]
    keys = list(located.districts)
    new = [NewRequest(service_code=r.service_code, service_name=r.service_name,
                      lon=None if pd.isna(r.lon) else r.lon,
                      lat=None if pd.isna(r.lat) else r.lat, address=r.address or None,
                      districts={k: getattr(r, f"{k}_id") for k in keys},
                      description=r.description or None, status=r.status,
                      requested_datetime=pd.Timestamp(r.requested_datetime).to_pydatetime(),
                      contact=Contact(email=f"person{i}@example.org", phone=f"555-01{i:04d}",
                                      first_name="Pat", last_name=f"Doe{i}"),
                      source="import:test", external_id=r.service_request_id)
           for i, r in enumerate(rows.itertuples())]
    store.insert_many(new, actor="test")
    return rows


@pytest.fixture(scope="module")
def served(demo_dir, demo_city, tmp_path_factory) -> Served:
    """The app over a fresh SQLite store holding the demo's latest requests."""
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('web') / 'store.sqlite'}")
    rows = seed_requests(store, demo_city, demo_dir)
    staff_key = store.create_api_key("alice", staff=True)
    public_key = store.create_api_key("some app")
    app = create_app(demo_city, store, config={"GEO311_POST_LIMIT": "1000000 per minute",
                                                 "GEO311_ROUTE_TIME_LIMIT": 1.0})
    yield Served(app, store, demo_city, rows, staff_key, public_key)
    store.close()
