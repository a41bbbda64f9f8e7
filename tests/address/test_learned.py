"""The learning reference (geo311.address.learned) on the demo region: learned points and
aliases are answered from at once, refusals say why, and a merge equals a full rebuild."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from geo311.address.learned import (
    LearnedAlias,
    LearnedPoint,
    check_alias,
    check_point,
    merge,
)
from geo311.address.reference import AddressReference
from geo311.address.validate import Validator
from geo311.jurisdiction import Locator
from geo311.profile import load_profile


@pytest.fixture(scope="module")
def locator(profile) -> Locator:
    return Locator.from_profile(profile)


@pytest.fixture()
def validator(profile, reference, locator) -> Validator:
    """A fresh validator per test: learning changes its reference."""
    return Validator(profile, reference=reference, locator=locator)


@pytest.fixture(scope="module")
def points(demo_dir) -> pd.DataFrame:
    """The demo's address points inside the city, as the CSV has them."""
    frame = pd.read_csv(demo_dir / "address_points.csv", dtype=str, keep_default_na=False)
    return frame[(frame.jurisdiction == "rivergate") & (frame.Unit == "")].reset_index(drop=True)


def street_of(row) -> str:
    return " ".join(p for p in (row.Direction, row.StreetName, row.Suffix) if p)


def new_numbers(points: pd.DataFrame, n: int, seed: int = 5) -> list[tuple[str, float, float]]:
    """``n`` addresses absent from the reference (a known number + 2, same side), each 4 m
    east of that known point: ``(address, lon, lat)``."""
    taken = set(zip(points.HouseNumber, points.Direction, points.StreetName, points.Suffix,
                    strict=True))
    out = []
    for row in points.sample(frac=1.0, random_state=seed).itertuples():
        number = str(int(row.HouseNumber) + 2)
        key = (number, row.Direction, row.StreetName, row.Suffix)
        if key in taken or any(a.startswith(f"{number} {street_of(row)}") for a, _, _ in out):
            continue
        lon = float(row.Longitude) + 4 / (111_320 * math.cos(math.radians(float(row.Latitude))))
        out.append((f"{number} {street_of(row)}", lon, float(row.Latitude)))
        if len(out) == n:
            break
    return out


def test_a_learned_point_is_the_exact_answer_afterwards_and_was_not_before(validator, points):
    address, lon, lat = new_numbers(points, 1)[0]
    before = validator.validate(address)
    assert before["match_type"] != "exact"
    assert (before["lon"], before["lat"]) != (lon, lat)
    verdict = check_point(validator, address, lon, lat)
    assert verdict.accepted, verdict.reason
    assert verdict.address == address
    merged, added = merge(validator.reference, [verdict.learned])
    assert added == 1
    validator.use_reference(merged)
    after = validator.validate(address)
    assert (after["status"], after["match_type"]) == ("valid", "exact")
    assert (after["lon"], after["lat"]) == (lon, lat)
    assert after["address"] == address
    # the reference it came from is unchanged: copy on write
    assert Validator(validator.profile, reference=validator.reference, locator=validator.locator
                     ).validate(address)["match_type"] == "exact"
    assert len(merged.point_number) == len(validator.reference.point_number)


def test_the_original_reference_is_not_changed_by_a_merge(reference, validator, points):
    address, lon, lat = new_numbers(points, 1, seed=9)[0]
    size = len(reference.point_number)
    merged, _ = merge(reference, [check_point(validator, address, lon, lat).learned])
    assert len(reference.point_number) == size and len(merged.point_number) == size + 1
    assert validator.validate(address)["match_type"] != "exact"


def test_a_learned_alias_maps_the_callers_words(validator, points):
    row = points[points.StreetName.str.len() >= 7].iloc[0]
    number, street = row.HouseNumber, street_of(row)
    said = f"{number} {row.Direction} {row.StreetName[:3]}Q {row.Suffix}".replace("  ", " ")
    before = validator.validate(said)
    assert before["address"] != f"{number} {street}"
    verdict = check_alias(validator.reference, said, f"{number} {street}")
    assert verdict.accepted, verdict.reason
    assert verdict.learned == LearnedAlias(f"{row.StreetName[:3]}Q", row.Suffix,
                                           row.StreetName, row.Suffix)
    validator.use_reference(merge(validator.reference, aliases=[verdict.learned])[0])
    after = validator.validate(said)
    assert after["address"] == f"{number} {street}"
    assert after["status"] == "corrected"
    assert after["suggestions"][0]["reason"] == f"alias of {row.StreetName} {row.Suffix}"


def test_refusals_say_why(validator, points, demo_dir):
    address, lon, lat = new_numbers(points, 1, seed=11)[0]
    known = points.iloc[0]
    known_address = f"{known.HouseNumber} {street_of(known)}"
    outside = pd.read_csv(demo_dir / "address_points.csv", dtype=str, keep_default_na=False)
    far = outside[outside.jurisdiction == "kessler-county"].iloc[0]
    away = np.hypot((points.Longitude.astype(float) - lon) * 90_000,
                    (points.Latitude.astype(float) - lat) * 111_000)
    elsewhere = points[(away > 800) & (away < 2000)].iloc[0]  # in the city, on another street
    cases = {
        "outside the city": (address, float(far.Longitude), float(far.Latitude)),
        "already in the reference": (known_address, float(known.Longitude),
                                     float(known.Latitude)),
        "moving a reference point needs review": (known_address, float(known.Longitude) + 0.01,
                                                  float(known.Latitude)),
        "a wrong click": (address, float(elsewhere.Longitude), float(elsewhere.Latitude)),
        "beyond the address ranges": (f"{int(known.HouseNumber) + 90_000} {street_of(known)}",
                                      float(known.Longitude), float(known.Latitude)),
        "is needs_review": ("123 main st 456 oak ave", lon, lat),
        "is rejected": ("PO BOX 12", lon, lat),
        "intersection": ("POPLAR LN and OAK ST", lon, lat),
        "not a longitude and latitude": (address, math.nan, lat),
        "not a pair of numbers": (address, "east", lat),
        "no house number": (street_of(known), lon, lat),
        "no address": ("  ", lon, lat),
    }
    for expected, (text, x, y) in cases.items():
        verdict = check_point(validator, text, x, y)
        assert not verdict.accepted and expected in verdict.reason, (expected, verdict)
    review = validator.validate("1 2 3")
    assert review["status"] in ("needs_review", "not_found")
    assert not check_point(validator, "1 2 3", lon, lat).accepted


def test_an_ambiguous_address_is_not_learned(validator, reference):
    """Two streets of one name and suffix, both holding the number: asked without its
    directional, the address is ambiguous (the brute-force search below finds one)."""
    frame = pd.DataFrame({"sid": reference.point_street, "number": reference.point_number})
    frame["name"] = [reference.streets[s].name for s in frame.sid]
    frame["suffix"] = [reference.streets[s].suffix for s in frame.sid]
    shared = frame.groupby(["name", "suffix", "number"]).sid.nunique()
    for (name, suffix, number) in shared[shared > 1].index[:20]:
        text = f"{number} {name} {suffix}"
        if validator.validate(text)["status"] == "ambiguous":
            verdict = check_point(validator, text, *reference.point_lonlat[0])
            assert not verdict.accepted and "ambiguous" in verdict.reason
            return
    pytest.fail("no ambiguous address in the demo")


def test_alias_refusals(validator, points):
    row = points.iloc[0]
    line = f"{row.HouseNumber} {street_of(row)}"
    other = points[points.StreetName != row.StreetName].iloc[0]
    ref = validator.reference
    assert "already reads as" in check_alias(ref, line.lower(), line).reason
    assert "street of its own" in check_alias(
        ref, f"{row.HouseNumber} {other.StreetName} {other.Suffix}", line).reason
    assert "not a street of the reference" in check_alias(ref, line, "5 NOWHERE XYZ RD").reason
    assert "already an alias" in check_alias(ref, "10 MLK BLVD",
                                             "10 MARTIN LUTHER KING JR BLVD").reason


def test_merge_leaves_out_duplicates(reference, points):
    row = points.iloc[3]
    known = LearnedPoint(row.Direction or None, row.StreetName, row.Suffix or None, None,
                         int(row.HouseNumber), "", "", row.ZipCode, 0.0, 0.0)
    fresh = LearnedPoint(row.Direction or None, row.StreetName, row.Suffix or None, None,
                         int(row.HouseNumber), "B", "", "", 0.0, 0.0)
    merged, added = merge(reference, [known, fresh, fresh])
    assert added == 1 and len(merged.point_number) == len(reference.point_number) + 1
    again, added = merge(merged, [fresh])
    assert added == 0 and again is merged
    nowhere = LearnedAlias("FOO", "RD", "NOWHERE XYZ", "RD")
    assert merge(merged, aliases=[nowhere]) == (merged, 0)


def test_a_new_street_is_learned_with_its_first_point_inside_the_city(validator, points):
    row = points.iloc[10]
    lon, lat = float(row.Longitude) + 2e-4, float(row.Latitude)
    before = validator.validate("12 ZANZIBARQ CT")
    assert before["status"] == "not_found"
    verdict = check_point(validator, "12 Zanzibarq Court", lon, lat)
    assert verdict.accepted and verdict.address == "12 ZANZIBARQ CT"
    streets = len(validator.reference.streets)
    merged, added = merge(validator.reference, [verdict.learned])
    assert added == 1 and len(merged.streets) == streets + 1
    validator.use_reference(merged)
    after = validator.validate("12 zanzibarq ct")
    assert (after["match_type"], after["lon"], after["lat"]) == ("exact", lon, lat)
    refused = check_point(validator, "14 Zanzibarq Court", lon + 0.03, lat)
    assert not refused.accepted


def _rebuilt(demo_dir, tmp_path, learned: list[LearnedPoint], aliases: list[tuple[str, str]]):
    """The oracle: the demo profile with the learned rows appended to its source files,
    built from scratch."""
    for item in demo_dir.iterdir():
        if item.name == "profile.toml":
            (tmp_path / item.name).write_text(item.read_text())
        elif item.name not in ("address_points.csv", "aliases.csv") \
                and not item.name.startswith("."):
            (tmp_path / item.name).symlink_to(item)
    source = pd.read_csv(demo_dir / "address_points.csv", dtype=str, keep_default_na=False)
    rows = pd.DataFrame([{
        "address_id": "", "HouseNumber": f"{p.number}{p.number_suffix}",
        "Direction": p.predir or "", "StreetName": p.name, "Suffix": p.suffix or "",
        "Unit": p.unit, "ZipCode": p.zip, "Longitude": repr(p.lon), "Latitude": repr(p.lat),
        "Address": "", "jurisdiction": ""} for p in learned])
    pd.concat([source, rows]).to_csv(tmp_path / "address_points.csv", index=False)
    table = pd.read_csv(demo_dir / "aliases.csv", dtype=str, keep_default_na=False)
    extra = pd.DataFrame(aliases, columns=["alias", "street"])
    pd.concat([table, extra]).to_csv(tmp_path / "aliases.csv", index=False)
    profile = load_profile(tmp_path)
    return profile, AddressReference.from_profile(profile, cache_dir=tmp_path / "cache")


def test_merging_in_batches_equals_a_full_rebuild_with_the_same_points(
        demo_dir, profile, reference, locator, points, tmp_path):
    validator = Validator(profile, reference=reference, locator=locator)
    places = new_numbers(points, 30, seed=2)
    learned = [check_point(validator, a, x, y).learned for a, x, y in places]
    assert all(learned)
    base = learned[0]
    learned += [  # a number suffix, a unit, a ZIP the street had not
        LearnedPoint(*base.key, base.number, "A", "", base.zip, base.lon + 1e-5, base.lat),
        LearnedPoint(*base.key, base.number, "", "APT 3", "99999", base.lon, base.lat + 1e-5),
        LearnedPoint(None, "AAARDVARK", "CT", None, 12, "", "", "", base.lon, base.lat),
        LearnedPoint("N", "MMMIDDLE", "WAY", None, 9, "", "", "", base.lon, base.lat + 2e-4),
    ]
    row = points.iloc[0]
    said = f"{row.StreetName[:3]}Q {row.Suffix}"
    alias = LearnedAlias(f"{row.StreetName[:3]}Q", row.Suffix, row.StreetName, row.Suffix)
    incremental = reference
    for batch in (learned[:10], learned[10:25], learned[25:]):
        incremental, _ = merge(incremental, batch)
    incremental, _ = merge(incremental, aliases=[alias])
    oracle_profile, full = _rebuilt(demo_dir, tmp_path, learned,
                                    [(said, f"{row.StreetName} {row.Suffix}")])
    assert len(full.point_number) == len(reference.point_number) + len(learned)
    for name in ("segment_street", "street_segments", "point_street", "point_number",
                 "point_number_suffix", "point_unit", "point_zip", "point_id", "street_points"):
        np.testing.assert_array_equal(getattr(incremental, name), getattr(full, name), name)
    np.testing.assert_allclose(incremental.point_lonlat, full.point_lonlat, rtol=0, atol=1e-12)
    np.testing.assert_allclose(incremental.point_xy, full.point_xy, rtol=0, atol=1e-6)
    assert incremental.number_spans == full.number_spans
    assert incremental.street_zips == full.street_zips
    assert incremental.aliases == full.aliases
    assert incremental.streets == full.streets and incremental.names == full.names
    assert incremental.street_ids == full.street_ids
    assert incremental.streets_by_name == full.streets_by_name
    ours = Validator(profile, reference=incremental, locator=locator)
    theirs = Validator(oracle_profile, reference=full, locator=locator)
    requests = pd.read_csv(demo_dir / "requests.csv", dtype=str, keep_default_na=False)
    texts = [a for a, _, _ in places] + [f"{row.HouseNumber} {said}", "12 AAARDVARK CT",
                                          "9 N MMMIDDLE WAY", "9 MMMIDLE WAY"] + requests.address[
        requests.address != ""].sample(300, random_state=4).tolist()
    for text in texts:
        assert ours.validate(text) == theirs.validate(text), text


def test_a_swapped_directional_given_is_learned_as_its_own_street(validator, points):
    """The caller said S; the reference has only N of that street: the validator swaps, the
    place confirmed on the S half is learned as S (a directional given is evidence)."""
    ref = validator.reference
    name = next(n for n, ids in sorted(ref.streets_by_name.items())
                if len(ids) == 1 and ref.streets[ids[0]].predir == "N"
                and ref.streets[ids[0]].suffix and ref.number_spans.get(
                    (ids[0], int(ref.point_number[ref.points_of(ids[0])][0]))))
    street = ref.streets[ref.streets_by_name[name][0]]
    text = f"120 S {name} {street.suffix}"
    answer = validator.validate(text)
    assert "directional" in (answer["suggestions"][0]["reason"] or "")
    row = points.iloc[20]
    verdict = check_point(validator, text, float(row.Longitude), float(row.Latitude))
    assert verdict.accepted, verdict.reason
    assert verdict.learned.key == ("S", name, street.suffix, None)
    validator.use_reference(merge(ref, [verdict.learned])[0])
    after = validator.validate(text)
    assert (after["status"], after["address"], after["lon"]) == ("valid", text,
                                                                 float(row.Longitude))
