"""``geo311 import`` on SQLite and PostgreSQL: kill -9 mid-file then rerun, bad rows,
and the spatial queries on the imported demo requests against brute-force oracles."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from geo311.city import City
from geo311.cli import main
from geo311.service.records import RequestQuery
from geo311.service.store import open_store

ROWS = 4_000  # the first rows of the demo's requests.csv: enough for many batches
BATCH = 200


@pytest.fixture(scope="module")
def demo_head(demo_dir, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("import") / "requests.csv"
    with open(demo_dir / "requests.csv") as source, open(path, "w") as out:
        for i, line in enumerate(source):
            if i > ROWS:
                break
            out.write(line)
    return path


def _count(url: str) -> int:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM requests")).scalar_one()
    except Exception:  # the tables are not there yet
        return 0
    finally:
        engine.dispose()


def _run_import(url, csv, demo_dir):
    return [sys.executable, "-c", "from geo311.cli import main; main()", "import", "--db", url,
            str(csv), "--preset", "demo", "--profile", str(demo_dir), "--batch-rows", str(BATCH)]


@pytest.fixture(scope="module")
def imported(store_url, demo_head, demo_dir):
    """The demo rows imported by a run killed with SIGKILL mid-file, then a rerun."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(_run_import(store_url, demo_head, demo_dir), env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _count(store_url) < 5 * BATCH and time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the import ended before the kill: {process.stderr.read()}")
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    process.stderr.close()
    killed_at = _count(store_url)
    rerun = subprocess.run(_run_import(store_url, demo_head, demo_dir), env=env,
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    store = open_store(store_url)
    again = store.import_requests(demo_head, "demo", locator=City.open(demo_dir).locator)
    yield store, killed_at, rerun.stdout, again
    store.close()


def test_kill_9_then_rerun_stores_every_row_once(imported, demo_head):
    store, killed_at, rerun, again = imported
    assert 0 < killed_at < ROWS  # killed mid-file, whole batches only
    assert killed_at % BATCH == 0
    oracle = pd.read_csv(demo_head, dtype=str, keep_default_na=False)
    with store.engines.read.connect() as connection:
        stored = pd.DataFrame(connection.execute(text(
            "SELECT pk, external_id, source, service_code, status, lon, lat FROM requests"
        )).mappings().all())
        history = connection.execute(text(
            "SELECT count(DISTINCT request_pk) FROM status_history WHERE from_status IS NULL"
        )).scalar_one()
    assert len(stored) == len(oracle) == ROWS
    assert stored.external_id.is_unique and set(stored.source) == {"import:demo"}
    assert set(stored.external_id) == set(oracle.service_request_id)
    both = oracle.merge(stored, left_on="service_request_id", right_on="external_id")
    assert (both.service_code_x == both.service_code_y).all()
    assert (both.status_x == both.status_y).all()
    has_xy = both.lon_x != ""
    np.testing.assert_array_equal(both.lon_x[has_xy].astype(float), both.lon_y[has_xy])
    assert both.lon_y[~has_xy].isna().all() and (~has_xy).sum() > 0
    assert history == ROWS  # nothing half-written: every request has its creation row
    assert f"added {ROWS - killed_at:,} of {ROWS:,} rows" in rerun
    assert (again.added, again.already) == (0, ROWS) and "nothing new" in again.summary()


def test_times_are_utc(imported, demo_head):
    store = imported[0]
    oracle = pd.read_csv(demo_head, dtype=str, keep_default_na=False).iloc[0]
    got = store.list_requests(RequestQuery(end="2024-01-02T00:00:00-08:00", limit=1000))
    first = next(r for r in got if r.external_id == oracle.service_request_id)
    expected = pd.Timestamp(oracle.requested_datetime).tz_convert("UTC")
    assert first.requested_datetime == expected.to_pydatetime()
    assert first.public()["requested_datetime"].endswith("+00:00")


def _haversine(lon0, lat0, lon, lat):
    p0, p = math.radians(lat0), np.radians(lat)
    h = (np.sin((p - p0) / 2) ** 2
         + math.cos(p0) * np.cos(p) * np.sin(np.radians(lon - lon0) / 2) ** 2)
    return 2 * 6371008.8 * np.arcsin(np.sqrt(h))


@pytest.fixture(scope="module")
def frame(imported, demo_head, demo_dir):
    """The imported rows as pandas reads them, with their ward by a geopandas join."""
    oracle = pd.read_csv(demo_head, dtype={"service_request_id": str})
    oracle["created"] = pd.to_datetime(oracle.requested_datetime, utc=True)
    points = gpd.GeoDataFrame(oracle, geometry=gpd.points_from_xy(oracle.lon, oracle.lat),
                              crs=4326)
    wards = gpd.read_file(demo_dir / "wards.geojson").to_crs(4326)
    id_column = next(c for c in wards.columns if c != "geometry")
    joined = gpd.sjoin(points, wards[[id_column, "geometry"]], predicate="within", how="left")
    joined = joined[~joined.index.duplicated()]
    oracle["ward"] = joined[id_column].astype("string")
    ids = {r.external_id: r.service_request_id for r in _all(imported[0])}
    oracle["id"] = oracle.service_request_id.map(ids)
    return oracle


def _all(store):
    return [r for offset in range(0, ROWS, 1000)
            for r in store.list_requests(RequestQuery(limit=1000, offset=offset))]


def test_nearby_matches_haversine_on_demo_data(imported, frame):
    store = imported[0]
    open_ = frame[(frame.status == "open") & frame.lon.notna()]
    rng = np.random.default_rng(3)
    for k in rng.choice(len(open_), 6, replace=False):
        lon, lat = open_.lon.iloc[k] + 0.0005, open_.lat.iloc[k] - 0.0003
        for radius in (100.0, 750.0):
            d = _haversine(lon, lat, open_.lon.to_numpy(), open_.lat.to_numpy())
            near = open_[d <= radius].assign(d=d[d <= radius]).sort_values(["d"])
            got = store.nearby_open(lon, lat, radius, limit=1000)
            assert [r.service_request_id for r, _ in got] == near.id.tolist()
            np.testing.assert_allclose([m for _, m in got], near.d, rtol=1e-9)


def test_bbox_and_district_match_brute_force(imported, frame, demo_dir):
    store = imported[0]
    located = frame[frame.lon.notna()]
    lon0, lat0 = located.lon.median(), located.lat.median()
    box = (lon0 - 0.01, lat0 - 0.008, lon0 + 0.012, lat0 + 0.006)
    inside = located[located.lon.between(box[0], box[2]) & located.lat.between(box[1], box[3])]
    got = store.list_requests(RequestQuery(bbox=box, limit=1000))
    assert 0 < len(inside) < 1000
    assert sorted(r.service_request_id for r in got) == sorted(inside.id)
    for ward in frame.ward.dropna().unique()[:3]:
        start, end = "2024-01-10", "2024-01-20"
        want = frame[(frame.ward == ward) & (frame.created >= pd.Timestamp(start, tz="UTC"))
                     & (frame.created < pd.Timestamp(end, tz="UTC"))]
        got = store.list_requests(RequestQuery(districts={"ward": [ward]}, start=start,
                                               end=end, limit=1000))
        assert len(want) > 0
        assert sorted(r.service_request_id for r in got) == sorted(want.id)


def test_bad_rows_are_reported_and_rows_without_coordinates_kept(tmp_path, demo_dir):
    csv = tmp_path / "bad.csv"
    csv.write_text(
        "service_request_id,service_code,service_name,status,requested_datetime,"
        "closed_datetime,address,zipcode,lon,lat,source,description\n"
        "a1,POTHOLE,Pothole,open,2025-01-01T10:00:00-08:00,,,,-119.9,36.3,web,x\n"
        ",POTHOLE,Pothole,open,2025-01-01T10:00:00-08:00,,,,-119.9,36.3,web,no id\n"
        "a3,POTHOLE,Pothole,open,yesterday,,,,-119.9,36.3,web,bad date\n"
        "a1,POTHOLE,Pothole,open,2025-01-02T10:00:00-08:00,,,,-119.9,36.3,web,again\n"
        "a5,GRAFFITI,Graffiti,closed,2025-01-01T10:00:00-08:00,2025-01-03T10:00:00-08:00,"
        ",,,,phone,no place\n")
    url = f"sqlite:///{tmp_path / 'bad.sqlite'}"
    result = CliRunner().invoke(main, ["import", "--db", url, str(csv), "--profile",
                                       str(demo_dir)])
    assert result.exit_code == 0, result.output
    assert "added 2 of 5 rows; 3 bad rows not stored (line 3: missing id; line 4: " \
           "unparseable created date; line 5: id repeated in the file)" in result.output
    store = open_store(url)
    stored = {r.external_id: r for r in store.list_requests(RequestQuery())}
    assert set(stored) == {"a1", "a5"}
    assert stored["a5"].lon is None and stored["a5"].status == "closed"
    assert stored["a5"].closed_datetime.isoformat() == "2025-01-03T18:00:00+00:00"
    assert stored["a1"].districts  # located: the demo profile's layers
    store.close()


def test_cli_keys_and_errors(tmp_path):
    url = f"sqlite:///{tmp_path / 'k.sqlite'}"
    result = CliRunner().invoke(main, ["keys", "create", "--db", url, "crm", "--staff"])
    assert result.exit_code == 0
    key = result.output.strip()
    store = open_store(url)
    assert store.check_api_key(key).staff is True
    store.close()
    bad = CliRunner().invoke(main, ["keys", "create", "--db", "mysql://x/y", "crm"])
    assert bad.exit_code == 1 and "sqlite or postgresql" in bad.output
    assert "Traceback" not in bad.output


@pytest.mark.parametrize("export, preset, id_column, date_column, zone", [
    ("los_angeles/311/myla311_2017-12-27_to_2017-12-31_subset.csv", "myla311", "SRNumber",
     "CreatedDate", "America/Los_Angeles"),
    ("new_york/311/nyc311_2013-12-25.csv", "nyc311", "Unique Key", "Created Date",
     "America/New_York"),
])
def test_real_exports_import_in_their_time_zone(shared_data, tmp_path, export, preset,
                                                id_column, date_column, zone):
    path = shared_data / export
    url = f"sqlite:///{tmp_path / 'real.sqlite'}"
    result = CliRunner().invoke(main, ["import", "--db", url, str(path), "--preset", preset,
                                       "--no-locate"])
    assert result.exit_code == 0, result.output
    oracle = pd.read_csv(path, dtype=str, keep_default_na=False)
    store = open_store(url)
    stored = [r for offset in range(0, len(oracle) + 1000, 1000)
              for r in store.list_requests(RequestQuery(limit=1000, offset=offset))]
    report = json.loads(result.stderr[result.stderr.index("{"):])
    assert report["rows"] == len(oracle)
    assert report["added"] == len(stored) == len(oracle) - report["bad"]
    assert report["bad"] == sum(report["bad_reasons"].values())
    by_id = {r.external_id: r for r in stored}
    sample = oracle[oracle[id_column].isin(by_id)].sample(50, random_state=1)
    for _, row in sample.iterrows():
        local = pd.to_datetime(row[date_column], format="%m/%d/%Y %I:%M:%S %p")
        expected = local.tz_localize(zone).tz_convert("UTC").to_pydatetime()
        assert by_id[row[id_column]].requested_datetime == expected
    store.close()
