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
from geo311.hotspots.binning import HexTally, PointHexes, choose_resolution
from geo311.io.text_csv import read_text_frame
from geo311.scale.engines import EngineRef, engine_ref, engines


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
