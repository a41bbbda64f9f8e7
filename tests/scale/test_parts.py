"""The pieces of the Dask path that run without a cluster: tallies, engines, text CSV."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from h3.api import basic_int as h3

from geo311.cache import stored_key
from geo311.city import City
from geo311.errors import InputError, ProfileError
from geo311.hotspots.analysis import analyze as analyze_single
from geo311.hotspots.binning import HexTally, PointHexes, choose_resolution, hex_tallies
from geo311.io.text_csv import read_text_frame
from geo311.scale import analyze, locate_requests, read_requests, write_table
from geo311.scale.engines import EngineRef, engine_ref, engines
from geo311.service.requests import RequestFilter, load_requests, preset


def _points(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lons = np.round(-119.9 + rng.normal(0, 0.02, n), 4)  # rounded: points repeat
    lats = np.round(36.3 + rng.normal(0, 0.02, n), 4)
    lons[::97] = np.nan
    return lons, lats


@pytest.mark.parametrize("resolution", [9, 8])
def test_merged_tallies_count_like_a_groupby(resolution):
    lons, lats = _points(6_000, 1)
    parts = np.array_split(np.arange(lons.size), 4)
    merged = HexTally.merge(PointHexes(lons[p], lats[p], 10).tally() for p in parts)
    ok = ~np.isnan(lons)
    fine = [h3.latlng_to_cell(a, o, 10) for a, o in zip(lats[ok], lons[ok], strict=True)]
    oracle = pd.Series([h3.cell_to_parent(c, resolution) for c in fine]).value_counts()
    counts = merged.counts_at(resolution)
    assert dict(zip(counts.cells.tolist(), counts.counts.tolist(), strict=True)) == {
        int(k): int(v) for k, v in oracle.items()}
    assert merged.invalid == counts.invalid == int((~ok).sum())
    assert merged.choose_resolution() == choose_resolution(lons, lats)


def test_tally_at_its_resolution_is_exact():
    lons, lats = _points(3_000, 2)
    parts = np.array_split(np.arange(lons.size), 3)
    merged = HexTally.merge(PointHexes(lons[p], lats[p], 8).tally() for p in parts)
    ok = ~np.isnan(lons)
    oracle = pd.Series([h3.latlng_to_cell(a, o, 8)
                        for a, o in zip(lats[ok], lons[ok], strict=True)]).value_counts()
    assert dict(zip(merged.cells.tolist(), merged.counts.tolist(), strict=True)) == {
        int(k): int(v) for k, v in oracle.items()}
    with pytest.raises(InputError, match="finer"):
        merged.counts_at(9)
    with pytest.raises(InputError, match="resolutions"):
        HexTally.merge([merged, PointHexes(lons, lats, 9).tally()])


def test_hex_tallies_count_like_a_groupby_at_each_resolution():
    lons, lats = _points(4_000, 3)
    lons[5], lats[6] = 200.0, -95.0  # out of range: invalid, as NaN
    tallies = hex_tallies(lons, lats, (10, 8, 7))
    ok = ~np.isnan(lons) & (np.abs(lons) <= 180) & (np.abs(lats) <= 90)
    for resolution, tally in tallies.items():
        oracle = pd.Series([h3.latlng_to_cell(a, o, resolution)
                            for a, o in zip(lats[ok], lons[ok], strict=True)]).value_counts()
        assert tally.resolution == resolution and tally.invalid == int((~ok).sum())
        assert tally.cells.tolist() == sorted(int(c) for c in oracle.index)
        assert dict(zip(tally.cells.tolist(), tally.counts.tolist(), strict=True)) == {
            int(k): int(v) for k, v in oracle.items()}
    assert set(hex_tallies(lons[:0], lats[:0], (9,))[9].cells) == set()


@pytest.fixture(scope="module")
def head_csv(demo_dir, tmp_path_factory):
    """The demo's first 6,000 requests with a few unusable rows planted."""
    frame = pd.read_csv(demo_dir / "requests.csv", dtype=str, keep_default_na=False,
                        nrows=6_000)
    frame.loc[3, "lon"] = "x"
    frame.loc[4, "requested_datetime"] = ""
    path = tmp_path_factory.mktemp("parts") / "head.csv"
    frame.to_csv(path, index=False)
    return path


FILTERS = [
    ("ward", RequestFilter(status=["open"], districts={"police_division": ["PD2", "PD3"]})),
    ("police_division", RequestFilter(types=["GRAFFITI", "NOISE", "POTHOLE"],
                                      bbox=(-119.93, 36.26, -119.84, 36.34))),
    ("hex", RequestFilter(start="2024-01-10", end="2024-02-05",
                          districts={"ward": ["3", "4", "10"],
                                     "sanitation_area": ["SAN-B", "SAN-C"]})),
]


@pytest.mark.parametrize(("by", "rows"), FILTERS)
@pytest.mark.parametrize("located", [False, True])
def test_counts_in_process_equal_the_single_process_analysis(demo_dir, head_csv, tmp_path,
                                                             by, rows, located):
    """The partition counts read only the columns they need, from a CSV (located per
    partition) or a located table (district ids read): report, counts and z as
    ``load_requests`` + ``analyze`` give them on the whole file."""
    city = City.open(demo_dir)
    ddf = read_requests(head_csv, preset("demo"), blocksize=100_000)
    assert ddf.npartitions > 2
    if located:
        write_table(None, locate_requests(ddf, city), tmp_path / "t", progress=False)
        ddf = read_requests(tmp_path / "t", preset("demo"))
    got = analyze(ddf, city, client=None, by=by, rows=rows, progress=False)
    single = load_requests(head_csv, "demo", rows, locator=city.locator)
    expected = analyze_single(single, city.locator, by=by)
    assert got.report == expected.report
    columns = ["id", "name", "count"]
    pd.testing.assert_frame_equal(got.cells[columns], expected.cells[columns])
    if by != "hex":
        pd.testing.assert_series_equal(got.cells["open_backlog"],
                                       expected.cells["open_backlog"])
    assert np.abs(got.cells["z"].to_numpy() - expected.cells["z"].to_numpy()).max() <= 1e-12


def test_engines_loaded_once_and_keyed_like_the_cache(demo_dir):
    city = City.open(demo_dir)
    ref = engine_ref(city, validator=True)
    root = demo_dir / ".geo311-cache"
    assert ref.locator_key == stored_key(next(root.glob("locator-*")))
    assert ref.addresses_key == stored_key(next(root.glob("addresses-*")))
    assert len(pickle.dumps(ref)) < 1_000  # what a task carries
    assert engines(ref) is engines(ref)
    stale = EngineRef(ref.profile, "0" * 64)
    with pytest.raises(ProfileError, match="another version of the profile"):
        engines(stale)


def test_text_frame_equals_pandas_and_falls_back(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,c\n1,,x\n002,NA,\n3,4\n", encoding="utf-8")
    expected = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    pd.testing.assert_frame_equal(read_text_frame(path), expected)  # short row: fallback
    good = tmp_path / "g.csv"
    good.write_text("a,b\n002,NA\n,x\n", encoding="utf-8")
    frame = read_text_frame(good, usecols=["a", "b"])
    assert frame["a"].tolist()[0] == "002" and frame["b"].tolist()[0] == "NA"
    assert pd.isna(frame["a"].tolist()[1])
    dup = tmp_path / "d.csv"
    dup.write_text("a,a\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="appears 2 times"):
        read_text_frame(dup)


def test_validate_partitions_in_chunks_answer_each_row_and_isolate_a_bad_one(demo_dir,
                                                                            monkeypatch):
    """A partition validated a few rows at a time answers every row as ``validate`` does
    one by one; a row that cannot be validated fails its own chunk only, and only itself."""
    import dask
    import dask.dataframe as dd

    from geo311.address.validate import Validator
    from geo311.answers import validate_csv_columns, value_at
    from geo311.scale import partitions, validate_partitions

    city = City.open(demo_dir)
    texts = pd.read_csv(demo_dir / "requests.csv", dtype=str, keep_default_na=False,
                        nrows=40)["address"].astype(object)
    texts[11] = 12345  # not text: its chunk falls back to row by row
    monkeypatch.setattr(partitions, "VALIDATE_CHUNK", 7)
    with dask.config.set({"dataframe.convert-string": False}):  # keep the int an int
        ddf = dd.from_pandas(pd.DataFrame({"address": texts}), npartitions=2)
        got = validate_partitions(ddf, city, address_col="address").compute(
            scheduler="synchronous").reset_index(drop=True)
    fresh = Validator(city.profile)
    answers = [fresh.validate(t) if isinstance(t, str) else None for t in texts]
    keys = [layer.key for layer in city.locator.districts]
    for column, path in validate_csv_columns(keys):
        name = f"geo311_{column}" if column == "address" else column
        values = [None if v is pd.NA or (isinstance(v, float) and np.isnan(v)) else v
                  for v in got[name].astype(object)]
        assert values == [value_at(a, path) for a in answers], column
    errors = got["error"].tolist()
    assert errors[11] == "an address must be text, not int"
    assert all(pd.isna(e) for i, e in enumerate(errors) if i != 11)
    assert set(got["status"]) >= {"valid"}
