"""Street aliases of the demo (``aliases.csv``): an alias finds its street, named as the reason."""

from __future__ import annotations

import pandas as pd
import pytest

from geo311.address.validate import Validator
from geo311.profile import load_profile


@pytest.fixture(scope="module")
def validator(demo_dir):
    return Validator(load_profile(demo_dir))


@pytest.fixture(scope="module")
def aliases(demo_dir) -> list[tuple[str, str, str, str]]:
    """(alias as written, its street uppercased, a number and directional on it), from the files."""
    table = pd.read_csv(demo_dir / "aliases.csv", dtype=str)
    points = pd.read_csv(demo_dir / "address_points.csv", dtype=str, keep_default_na=False)
    streets = (points["StreetName"] + " " + points["Suffix"]).str.strip()
    rows = []
    for alias, street in zip(table["alias"], table["street"], strict=True):
        target = street.upper()
        on = points[streets == target]
        on = on[on["jurisdiction"] == ""] if (on["jurisdiction"] == "").any() else on
        point = on.iloc[len(on) // 2]
        rows.append((alias, target, point["HouseNumber"], point["Direction"]))
    return rows


def test_every_alias_with_its_own_suffix_finds_its_street(validator, aliases):
    assert len(aliases) >= 10
    for alias, target, number, direction in aliases:
        where = " ".join(filter(None, [number, direction]))
        answer = validator.validate(f"{where} {alias}")
        assert answer["address"] == f"{where} {target}", (alias, answer["status"])
        assert answer["status"] == "corrected"
        assert answer["suggestions"][0]["reason"] == f"alias of {target}"


def test_an_alias_name_without_its_suffix_finds_the_street_and_says_both(validator, aliases):
    alias, target, number, direction = next(a for a in aliases if a[0] == "Chavez Pkwy")
    where = " ".join(filter(None, [number, direction]))
    answer = validator.validate(f"{where} Chavez")
    assert answer["address"] == f"{where} {target}"
    assert answer["suggestions"][0]["reason"] == f"alias of {target}; suffix missing"
