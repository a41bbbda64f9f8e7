"""The Dask path against the single-process path, on a LocalCluster of 2 worker processes.

One cluster for the module (starting one costs seconds). Inputs are slices of the demo's
requests, cut into several partitions, so that counts are really added across parts.
"""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pandas as pd
import pytest

from geo311.address.validate import Validator
from geo311.answers import validate_csv_columns, value_at
from geo311.city import City
from geo311.hotspots.analysis import analyze as analyze_single
from geo311.jurisdiction import locate_csv
from geo311.scale import (
    analyze,
    locate_partitions,
    locate_requests,
    read_csv,
    read_requests,
    validate_partitions,
    write_table,
)
from geo311.service.requests import RequestFilter, load_requests, preset

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def city(demo_dir):
    return City.open(demo_dir)


@pytest.fixture(scope="module")
def requests_csv(demo_dir, tmp_path_factory):
    """The demo's first 12,000 requests, with a few bad coordinates planted."""
    frame = pd.read_csv(demo_dir / "requests.csv", dtype=str, keep_default_na=False,
                        nrows=12_000)
    frame.loc[5, "lon"] = "abc"
    frame.loc[6, "lat"] = "1_0"
    frame.loc[7, "lon"] = "-200"
    path = tmp_path_factory.mktemp("scale") / "requests.csv"
    frame.to_csv(path, index=False)
    return path


BLOCK = 150_000  # bytes: about 8 partitions of the 12,000 requests


def test_locate_partitions_equal_locate_csv(client, city, requests_csv, tmp_path):
    """Every row and column as ``locate --csv`` writes them, bad coordinates included."""
    ddf = read_csv(requests_csv, blocksize=BLOCK)
    assert ddf.npartitions > 3
    located = locate_partitions(ddf, city).compute()
    single = tmp_path / "single.csv"
    locate_csv(city.locator, requests_csv, single)
    expected = pd.read_csv(single, dtype=str, keep_default_na=False)
    got = located.reset_index(drop=True).astype(object)
    got = got.where(got.notna(), "").astype(str)
    assert list(got.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert expected.loc[5, "error"] == "longitude missing or not a number: 'abc'"


def test_validate_partitions_equal_validate_many(client, city, requests_csv):
    frame = pd.read_csv(requests_csv, dtype=str, keep_default_na=False, nrows=2_000)
    path = requests_csv.with_name("validate.csv")
    frame.to_csv(path, index=False)
    ddf = read_csv(path, blocksize=60_000)
    assert ddf.npartitions > 2
    got = validate_partitions(ddf, city, address_col="address",
                              zip_col="zipcode").compute().reset_index(drop=True)
    fresh = Validator(city.profile)  # an engine of its own, not the workers'
    zips = [z or None for z in frame["zipcode"]]
    answers = fresh.validate_many(frame["address"].tolist(), zips=zips)
    keys = [layer.key for layer in city.locator.districts]
    for column, path_in_answer in validate_csv_columns(keys):
        name = f"geo311_{column}" if column in frame.columns else column
        expected = [value_at(a, path_in_answer) for a in answers]
        values = [None if v is pd.NA or (isinstance(v, float) and np.isnan(v)) else v
                  for v in got[name].astype(object)]
        assert values == expected, column
    assert got["error"].isna().all()
    assert set(got["geo311_status"]) >= {"valid", "corrected"}  # the input has a status


@pytest.mark.parametrize(("by", "rows"), [
    ("hex", RequestFilter()),
    ("ward", RequestFilter()),
    ("hex", RequestFilter(types=["GRAFFITI", "POTHOLE"], start="2024-01-15",
                          districts={"ward": ["3", "4", "5", "6"]})),
])
def test_gistar_equal_single_process(client, city, requests_csv, by, rows):
    """Counts, report and Gi* equal those of analyze on the whole table (z to 1e-12)."""
    ddf = read_requests(requests_csv, preset("demo"), blocksize=BLOCK)
    assert ddf.npartitions > 3
    got = analyze(ddf, city, client=client, by=by, rows=rows)
    single = load_requests(requests_csv, "demo", rows, locator=city.locator)
    expected = analyze_single(single, city.locator, by=by)
    assert got.report == expected.report
    columns = ["id", "name", "count", "bin"]
    pd.testing.assert_frame_equal(got.cells[columns], expected.cells[columns])
    assert np.abs(got.cells["z"].to_numpy() - expected.cells["z"].to_numpy()).max() <= 1e-12
    assert np.abs(got.cells["p_fdr"] - expected.cells["p_fdr"]).max() <= 1e-12
    assert got.neighborhood == expected.neighborhood


def test_grid_counts_added_exactly(client, city, requests_csv):
    ddf = read_requests(requests_csv, preset("demo"), blocksize=BLOCK)
    got = analyze(ddf, city, client=client, by="grid", method="counts", cell_m=300.0)
    single = load_requests(requests_csv, "demo", locator=city.locator)
    expected = analyze_single(single, city.locator, by="grid", method="counts", cell_m=300.0)
    pd.testing.assert_frame_equal(got.cells, expected.cells)


def test_parquet_table_round_trip(client, city, requests_csv, tmp_path):
    """A located table written by year/month reads back with the district ids, and its hot
    spots are those of the CSV."""
    ddf = locate_requests(read_requests(requests_csv, preset("demo"), blocksize=BLOCK), city)
    out = tmp_path / "table"
    assert write_table(client, ddf, out)["rows"] == 12_000
    months = sorted(p.relative_to(out).as_posix() for p in out.glob("year=*/month=*"))
    created = pd.to_datetime(pd.read_csv(requests_csv, usecols=["requested_datetime"])
                             ["requested_datetime"], format="ISO8601")
    assert months == sorted({f"year={t.year}/month={t.month}" for t in created})
    table = read_requests(out, preset("demo"))
    assert "ward_id" in table.columns
    got = analyze(table, city, client=client, by="ward")
    expected = analyze_single(load_requests(requests_csv, "demo", locator=city.locator),
                              city.locator, by="ward")
    pd.testing.assert_frame_equal(got.cells[["id", "count", "z"]],
                                  expected.cells[["id", "count", "z"]], rtol=0, atol=1e-12)


def _kill_one_worker_when_started(client, futures) -> int:
    """SIGKILL one worker process once some, not all, partitions are done."""
    pids = client.run(os.getpid)
    deadline = time.monotonic() + 60
    while sum(f.done() for f in futures) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not all(f.done() for f in futures), "the run ended before a worker was killed"
    victim = sorted(pids.values())[0]
    os.kill(victim, signal.SIGKILL)
    return victim


def test_killed_worker_result_complete_and_identical(client, city, requests_csv):
    ddf = locate_partitions(read_csv(requests_csv, blocksize=80_000), city)
    expected = ddf.compute()
    parts = ddf.to_delayed()
    futures = client.compute(parts)
    victim = _kill_one_worker_when_started(client, futures)
    got = pd.concat(client.gather(futures))
    pd.testing.assert_frame_equal(got, expected)
    assert victim not in client.run(os.getpid).values()


def test_cli_on_a_running_scheduler(client, demo_dir, requests_csv, tmp_path):
    """``--dask --scheduler ADDRESS``: locate writes a GeoParquet table equal to the library's;
    hotspots --save-table then --table give one answer, with or without the cluster."""
    from click.testing import CliRunner

    from geo311.cli import main
    from geo311.io.parquet import read_table

    address = client.scheduler.address
    runner = CliRunner()
    out = tmp_path / "located"
    result = runner.invoke(main, ["locate", "-p", str(demo_dir), "--csv", str(requests_csv),
                                  "-o", str(out), "--dask", "--scheduler", address])
    assert result.exit_code == 0, result.output
    table = read_table(out).compute().drop(columns="geometry")
    assert len(table) == 12_000 and table["error"].notna().sum() >= 3
    expected = locate_partitions(read_csv(requests_csv), City.open(demo_dir)).compute()
    def plain(frame):
        frame = frame.reset_index(drop=True).astype(object)
        return frame.where(frame.notna(), None)

    pd.testing.assert_frame_equal(plain(table), plain(expected))
    summaries = []
    for options in (["--requests", str(requests_csv), "--save-table", str(tmp_path / "t")],
                    ["--table", str(tmp_path / "t")]):
        result = runner.invoke(main, ["hotspots", "-p", str(demo_dir), "--preset", "demo",
                                      "--by", "ward", "--dask", "--scheduler", address,
                                      *options])
        assert result.exit_code == 0, result.output
        summaries.append(result.stdout)
    result = runner.invoke(main, ["import", str(requests_csv), "--preset", "demo", "-p",
                                  str(demo_dir), "--parquet", str(tmp_path / "imported"),
                                  "--dask", "--scheduler", address])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["hotspots", "-p", str(demo_dir), "--preset", "demo",
                                  "--by", "ward", "--dask", "--scheduler", address,
                                  "--table", str(tmp_path / "imported")])
    summaries.append(result.stdout)
    result = runner.invoke(main, ["hotspots", "-p", str(demo_dir), "--preset", "demo",
                                  "--by", "ward", "--table", str(tmp_path / "imported")])
    assert result.exit_code == 0, result.output  # no --dask: counted in this process
    summaries.append(result.stdout)
    assert summaries[0] == summaries[1] == summaries[2] == summaries[3]
    result = runner.invoke(main, ["hotspots", "-p", str(demo_dir), "--dask", "--scheduler",
                                  address, "--workers", "2"])
    assert result.exit_code == 2 and "not both" in result.output
