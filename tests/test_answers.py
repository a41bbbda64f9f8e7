"""The declared answer shapes (geo311.answers) against real answers, and the CSV columns."""

from __future__ import annotations

import csv
import typing
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest

from geo311.address.validate import Validator
from geo311.address.validate_file import validate_csv
from geo311.answers import (
    LocateAnswer,
    ValidateAnswer,
    locate_csv_columns,
    validate_csv_columns,
    value_at,
)
from geo311.profile import load_profile

NONE = type(None)


@pytest.fixture(scope="module")
def validator(demo_dir) -> Validator:
    return Validator(load_profile(demo_dir))


@pytest.fixture(scope="module")
def requests(demo_dir) -> pd.DataFrame:
    return pd.read_csv(demo_dir / "requests.csv", dtype=str, keep_default_na=False)


def check(value, hint, seen: dict, where: str) -> None:
    """Assert that ``value`` has the declared shape ``hint``; note the keys seen per type."""
    args = typing.get_args(hint)
    if value is None:
        assert NONE in args, f"{where} is None, declared {hint}"
        return
    if NONE in args:
        hint = next(a for a in args if a is not NONE) if len(args) == 2 else hint
    if typing.is_typeddict(hint):
        declared = typing.get_type_hints(hint)
        assert type(value) is dict, where
        if hint.__total__:
            assert list(value) == list(declared), f"{where}: {list(value)} != {list(declared)}"
        else:
            assert set(value) <= set(declared), f"{where}: {set(value) - set(declared)}"
        seen[hint].update(value)
        for key, item in value.items():
            check(item, declared[key], seen, f"{where}.{key}")
    elif typing.get_origin(hint) is list:
        assert type(value) is list, where
        for i, item in enumerate(value):
            check(item, typing.get_args(hint)[0], seen, f"{where}[{i}]")
    elif typing.get_origin(hint) is dict:
        assert type(value) is dict, where
        for key, item in value.items():
            check(item, typing.get_args(hint)[1], seen, f"{where}[{key}]")
    else:
        kinds = tuple(a for a in (args or (hint,)) if a is not NONE)
        if float in kinds:
            kinds += (int,)
        assert isinstance(value, kinds), f"{where} = {value!r}, declared {hint}"


def every_key_seen(seen: dict) -> None:
    for typed_dict, keys in seen.items():
        declared = set(typing.get_type_hints(typed_dict))
        assert keys == declared, f"{typed_dict.__name__}: never seen {declared - keys}"


def test_every_key_of_real_validate_answers_is_declared_and_every_declared_key_occurs(
        validator, requests):
    sample = requests.sample(3000, random_state=8)
    texts = [*sample.address, "PO Box 1234, Rivergate CA", "130 24th St", "?!?! 42"]
    answers = validator.validate_many(texts, cities=["Ashford"] * 200 + [None] * (
        len(texts) - 200))
    seen: dict = defaultdict(set)
    for i, answer in enumerate(answers):
        check(answer, ValidateAnswer, seen, f"answer {i}")
    every_key_seen(seen)
    assert {a["status"] for a in answers} >= {"valid", "corrected", "ambiguous", "rejected",
                                              "needs_review"}


def test_every_key_of_real_locate_answers_is_declared_and_every_declared_key_occurs(
        validator, requests):
    located = [a["location"] for a in validator.validate_many(list(requests.address[:3000]))
               if a["location"] is not None]
    lons = [location["lon"] for location in located]
    lats = [location["lat"] for location in located]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    rng = np.random.default_rng(8)
    wide = 0.5 * max(east - west, north - south)
    points = zip(rng.uniform(west - wide, east + wide, 3000),
                 rng.uniform(south - wide, north + wide, 3000), strict=True)
    answers = [validator.locator.locate(x, y) for x, y in points] + located
    seen: dict = defaultdict(set)
    for i, answer in enumerate(answers):
        check(answer, LocateAnswer, seen, f"answer {i}")
    every_key_seen(seen)
    kinds = {(a["layer"] == "agency", tuple(a)) for answer in answers
             for a in answer["alternatives"]}
    assert (True, ("layer", "id", "name", "phone", "url", "distance_m")) in kinds
    assert (False, ("layer", "id", "name", "distance_m")) in kinds


def test_locate_csv_columns_hold_the_values_of_locate_at_their_paths(validator):
    locator = validator.locator
    keys = [layer.key for layer in locator.districts]
    columns = locate_csv_columns(keys)
    assert [c for c, _ in columns] == ["in_jurisdiction", "agency_id", "agency_name",
                                      "agency_phone", *(f"{k}_id" for k in keys),
                                      "near_boundary"]
    rng = np.random.default_rng(3)
    lons, lats = rng.uniform(-120.4, -119.4, 300), rng.uniform(35.9, 36.7, 300)
    frame = locator.locate_many(lons, lats).to_frame()
    for row, x, y in zip(frame.itertuples(index=False), lons, lats, strict=True):
        answer = locator.locate(x, y)
        for column, path in columns:
            assert getattr(row, column) == value_at(answer, path), (column, x, y)


def test_validate_csv_columns_are_the_answers_fields_spelled_out_by_hand(
        validator, requests, tmp_path):
    keys = [layer.key for layer in validator.locator.districts]

    def by_hand(answer: dict) -> list:  # the layout as it was written before geo311.answers
        location = answer["location"] or {}
        agency = location.get("agency") or {}
        districts = location.get("districts") or {}
        postal = answer["postal_city"] or {}
        suggestions = answer["suggestions"]
        return [answer["status"], answer["match_type"], answer["address"] or "",
                "" if answer["lon"] is None else answer["lon"],
                "" if answer["lat"] is None else answer["lat"], answer["confidence"],
                "" if answer["precision_m"] is None else answer["precision_m"],
                "" if answer["district_certain"] is None else answer["district_certain"],
                "" if not location else location["in_jurisdiction"],
                agency.get("id") or "", agency.get("name") or "",
                *((districts.get(k) or {}).get("id") or "" for k in keys),
                postal.get("given") or "", "" if not postal else postal["differs"],
                suggestions[0]["address"] if suggestions else "", ""]

    sample = requests.sample(300, random_state=4)
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    sample[["address"]].rename(columns={"address": "text"}).assign(
        city=["Ashford", ""] * 150).to_csv(source, index=False)
    validate_csv(validator, source, target, address_col="text", city_col="city")
    with target.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    added = [c for c, _ in validate_csv_columns(keys)] + ["error"]
    assert rows[0] == ["text", "city", *added]
    for row, text, city in zip(rows[1:], sample.address, ["Ashford", ""] * 150, strict=True):
        expected = [str(v) for v in by_hand(validator.validate(text, city=city or None))]
        assert row[2:] == expected
