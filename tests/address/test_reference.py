"""The address reference built from the demo region: counts, cache, errors, formats."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo311.address.normalize import format_line
from geo311.address.parse import parse
from geo311.address.reference import AddressReference
from geo311.errors import ProfileError
from geo311.profile import AddressSettings, Profile

SOURCES = ("address_points.csv", "streets.gpkg", "aliases.csv")


def copy_profile(profile: Profile, dest: Path, **changes: object) -> Profile:
    """The demo profile with its address files copied to ``dest`` and ``[addresses]`` changed.

    A change to ``None`` removes the key.
    """
    for name in SOURCES:
        shutil.copy(profile.root / name, dest / name)
    table = {**profile.addresses.as_table(), **changes}
    table = {k: v for k, v in table.items() if v is not None}
    return dataclasses.replace(profile, path=dest / "profile.toml",
                               addresses=AddressSettings.from_table(table))


def point_lines(ref: AddressReference) -> list[str]:
    """The delivery line of every point of the reference, as the demo writes them."""
    return [
        format_line(f"{n}{s}", ref.streets[i], u or None)
        for i, n, s, u in zip(ref.point_street, ref.point_number, ref.point_number_suffix,
                              ref.point_unit, strict=True)
    ]


def test_counts_equal_the_sources(reference: AddressReference, demo_dir: Path) -> None:
    points = pd.read_csv(demo_dir / "address_points.csv", dtype=str, keep_default_na=False)
    segments = gpd.read_file(demo_dir / "streets.gpkg")
    aliases = pd.read_csv(demo_dir / "aliases.csv")
    assert reference.skipped == []
    assert len(reference.point_number) == len(points) - len(reference.skipped)
    assert len(reference.segment_street) == len(segments)
    assert reference.warnings == []
    for alias, street in zip(aliases["alias"], aliases["street"], strict=True):
        source, target = parse(f"1 {alias}").street, parse(f"1 {street}").street
        assert reference.aliases[(source.name, source.suffix)] == (target.name, target.suffix)
    # Every point keeps its street, number and unit: the demo's own delivery lines come back.
    assert sorted(point_lines(reference)) == sorted(points["Address"])
    # The streets are those of the points and of the centrelines, each once.
    full = {s.full for s in reference.streets}
    of_points = set(points["Address"].str.extract(r"^\d+ (.*?)(?: (?:APT|UNIT|STE) \w+)?$")[0])
    assert full == of_points | set(segments["FULLNAME"].str.upper())
    assert len(full) == len(reference.streets)


def test_tables_are_sorted_and_indexed(reference: AddressReference) -> None:
    ref = reference
    assert np.all(np.diff(ref.point_street) >= 0)
    for sid in range(len(ref.streets)):
        rows = ref.points_of(sid)
        assert np.all(ref.point_street[rows] == sid)
        assert np.all(np.diff(ref.point_number[rows]) >= 0)
        assert np.all(ref.segment_street[list(ref.segments_of(sid))] == sid)
    assert sum(b - a for a, b in ref.number_spans.values()) == len(ref.point_number)
    for (sid, number), (a, b) in list(ref.number_spans.items())[::97]:
        assert set(ref.point_street[a:b]) == {sid} and set(ref.point_number[a:b]) == {number}
    assert ref.names == sorted({s.name for s in ref.streets})
    first = ref.segment_coords(0)
    assert first.shape[1] == 2 and -121 < first[0, 0] < -119 and 36 < first[0, 1] < 37
    # The metric copy is in metres: a demo block is about 200 m long.
    block = np.hypot(*np.diff(ref.segment_coords(0, metric=True)[[0, -1]], axis=0)[0])
    assert 20 < block < 400


def test_aliases_point_at_existing_streets(reference: AddressReference) -> None:
    assert reference.aliases[("MLK", "BLVD")] == ("MARTIN LUTHER KING JR", "BLVD")
    assert reference.aliases[("RIVER", "RD")] == ("RIVERSIDE", "DR")
    assert all(name in reference.streets_by_name for name, _ in reference.aliases.values())


def test_bad_rows_are_reported_not_dropped(profile: Profile, tmp_path: Path) -> None:
    work = copy_profile(profile, tmp_path)
    points = pd.read_csv(tmp_path / "address_points.csv", dtype=str, keep_default_na=False)
    points.loc[4, "HouseNumber"] = "abc"
    points.loc[9, "Longitude"] = ""
    points.loc[11, "StreetName"] = ""
    points.loc[20, "Latitude"] = "95.0"
    points.to_csv(tmp_path / "address_points.csv", index=False)
    ref = AddressReference.from_profile(work, cache_dir=tmp_path / "cache")
    assert [row for row, _ in ref.skipped] == [5, 10, 12, 21]
    reasons = dict(ref.skipped)
    assert "abc" in reasons[5] and "coordinates" in reasons[10]
    assert "street" in reasons[12] and "coordinates" in reasons[21]
    assert len(ref.point_number) == len(points) - len(ref.skipped)


def test_cache_hit_then_rebuild_after_a_change(profile: Profile, tmp_path: Path) -> None:
    work = copy_profile(profile, tmp_path)
    cache = tmp_path / "cache"
    cold = AddressReference.from_profile(work, cache_dir=cache)
    warm = AddressReference.from_profile(work, cache_dir=cache)  # timed in bench/bench_units.py
    assert not cold.cache_hit and warm.cache_hit
    assert np.array_equal(cold.point_lonlat, warm.point_lonlat)
    assert cold.streets == warm.streets and cold.number_spans == warm.number_spans
    assert len(list(cache.iterdir())) == 1

    with (tmp_path / "aliases.csv").open("a") as handle:
        handle.write("Principal St,Main St\n")
    changed = AddressReference.from_profile(work, cache_dir=cache)
    assert not changed.cache_hit
    assert changed.aliases[("PRINCIPAL", "ST")] == ("MAIN", "ST")
    assert AddressReference.from_profile(work, cache_dir=cache).cache_hit

    # The [addresses] table is part of the key too.
    no_aliases = copy_profile(profile, tmp_path, aliases=None)
    rebuilt = AddressReference.from_profile(no_aliases, cache_dir=cache)
    assert not rebuilt.cache_hit and ("PRINCIPAL", "ST") not in rebuilt.aliases


def test_default_cache_dir_is_beside_the_profile(profile: Profile, tmp_path: Path) -> None:
    ref = AddressReference.from_profile(copy_profile(profile, tmp_path))
    assert not ref.cache_hit
    assert len(list((tmp_path / ".geo311-cache").glob("addresses-*/manifest.json"))) == 1


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"points": "nope.csv"}, ["points", "nope.csv", "not found"]),
        ({"aliases": "missing_aliases.csv"}, ["aliases", "missing_aliases.csv"]),
        ({"colour": "blue"}, ["unknown key", "colour"]),
        ({"number_field": "HouseNo"}, ["number_field", "HouseNo", "HouseNumber, Direction"]),
        ({"zip_field": "Zip5"}, ["zip_field", "Zip5", "ZipCode"]),
        ({"lat_field": None}, ["lat_field"]),
        ({"centerline_fields": {"name": "STNAME"}}, ["name", "STNAME", "FULLNAME"]),
        ({"centerline_fields": {"width": "W"}}, ["unknown key", "width"]),
        ({"full_address_field": "Address"}, ["full_address_field", "number_field"]),
    ],
)
def test_profile_errors_name_the_problem(
    profile: Profile, tmp_path: Path, changes: dict, words: list[str]
) -> None:
    with pytest.raises(ProfileError) as info:
        AddressReference.from_profile(copy_profile(profile, tmp_path, **changes),
                                      cache_dir=tmp_path / "cache")
    for word in words:
        assert word in info.value.message


def test_a_profile_without_addresses_is_an_error(profile: Profile) -> None:
    bare = dataclasses.replace(profile, addresses=None)
    with pytest.raises(ProfileError, match=r"\[addresses\]"):
        AddressReference.from_profile(bare)


def test_geojson_points_in_a_projected_crs(profile: Profile, reference: AddressReference,
                                           tmp_path: Path) -> None:
    points = pd.read_csv(profile.root / "address_points.csv", dtype=str, keep_default_na=False)
    frame = gpd.GeoDataFrame(
        points.drop(columns=["Longitude", "Latitude"]),
        geometry=gpd.points_from_xy(points["Longitude"].astype(float),
                                    points["Latitude"].astype(float)),
        crs="EPSG:4326",
    ).to_crs("EPSG:3310")
    work = copy_profile(profile, tmp_path, points="points.geojson", lon_field=None,
                        lat_field=None)
    frame.to_file(tmp_path / "points.geojson", driver="GeoJSON")
    ref = AddressReference.from_profile(work, cache_dir=tmp_path / "cache")
    assert ref.skipped == []
    assert ref.number_spans == reference.number_spans
    np.testing.assert_allclose(ref.point_lonlat, reference.point_lonlat, atol=1e-7)


def test_lon_lat_fields_are_for_csv_only(profile: Profile, tmp_path: Path) -> None:
    work = copy_profile(profile, tmp_path, points="points.gpkg")
    gpd.GeoDataFrame({"HouseNumber": ["1"], "StreetName": ["MAIN"]},
                     geometry=gpd.points_from_xy([-119.9], [36.3]), crs="EPSG:4326",
                     ).to_file(tmp_path / "points.gpkg")
    with pytest.raises(ProfileError, match="CSV points only"):
        AddressReference.from_profile(work, cache_dir=tmp_path / "cache")


def test_full_address_column_and_full_street_names(profile: Profile, tmp_path: Path) -> None:
    points = pd.read_csv(profile.root / "address_points.csv", dtype=str, keep_default_na=False)
    sample = points.iloc[::20]
    sample.to_csv(tmp_path / "one_line.csv", index=False)
    streets = gpd.read_file(profile.root / "streets.gpkg").iloc[::10]
    full = copy_profile(
        profile, tmp_path, points="one_line.csv", full_address_field="Address",
        number_field=None, street_field=None, predir_field=None, suffix_field=None,
        unit_field=None, centerlines="fullname_only.gpkg",
    )
    streets.drop(columns=["PREDIR", "NAME", "SUFFIX"]).to_file(tmp_path / "fullname_only.gpkg")
    ref = AddressReference.from_profile(full, cache_dir=tmp_path / "cache")
    assert ref.skipped == []
    assert sorted(point_lines(ref)) == sorted(sample["Address"])
    segment_streets = {ref.streets[i].full for i in ref.segment_street}
    assert segment_streets == set(streets["FULLNAME"].str.upper())
    # A street column holding the whole street ("S LEMON AVE") is parsed the same way.
    street = sample["Address"].str.extract(r"^\d+ (.*?)(?: (?:APT|UNIT|STE) \w+)?$")[0]
    sample.assign(StreetName=street).to_csv(tmp_path / "whole_street.csv", index=False)
    whole = copy_profile(profile, tmp_path, points="whole_street.csv", predir_field=None,
                         suffix_field=None)
    ref = AddressReference.from_profile(whole, cache_dir=tmp_path / "cache2")
    assert sorted(point_lines(ref)) == sorted(sample["Address"])
