"""Typo robustness on real Los Angeles addresses: 1,000 perturbed verified addresses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo311.address.validate import Validator
from geo311.profile import load_profile

from .conftest import write_la_address_profile

ORDINALS = {"1ST": "First", "2ND": "Second", "3RD": "Third", "4TH": "Fourth", "5TH": "Fifth",
            "6TH": "Sixth", "7TH": "Seventh", "8TH": "Eighth", "9TH": "Ninth", "10TH": "Tenth",
            "11TH": "Eleventh", "12TH": "Twelfth"}
OTHER_SUFFIX = {"AVE": "ST", "ST": "AVE", "BLVD": "AVE", "DR": "ST", "PL": "ST", "WAY": "ST"}
OPPOSITE = {"N": "S", "S": "N", "E": "W", "W": "E"}


def perturb(row: pd.Series, kind: str, rng: np.random.Generator) -> str:
    """The address text of ``row`` as a caller might get it wrong in the way ``kind``."""
    number, predir, name, suffix = row.HouseNumber, row.Direction, row.StreetName, row.Suffix
    if kind == "drop_suffix":
        suffix = ""
    elif kind == "change_suffix":
        suffix = OTHER_SUFFIX.get(suffix, "ST")
    elif kind == "drop_directional":
        predir = ""
    elif kind == "swap_directional":
        predir = OPPOSITE.get(predir, predir)
    elif kind == "typo":
        i = int(rng.integers(1, len(name) - 1))
        letter = "abcdefghijklmnopqrstuvwxyz"[int(rng.integers(26))].upper()
        name = name[:i] + letter + name[i + 1:] if rng.random() < 0.5 else name[:i] + name[i + 1:]
    elif kind == "unit":
        suffix = f"{suffix} {['Apt 3', '#12', 'Unit B', 'Ste 200'][int(rng.integers(4))]}"
    elif kind == "ordinal":
        name = ORDINALS[name]
    return " ".join(p for p in (number, predir, name, suffix) if p)


@pytest.fixture(scope="module")
def la_addresses(shared_data, la_requests_text, tmp_path_factory):
    """(validator over every verified 2017 address, those addresses)."""
    frame = la_requests_text
    verified = frame[(frame.HouseNumber != "") & (frame.Latitude != "")]
    verified = verified.drop_duplicates(["HouseNumber", "Direction", "StreetName", "Suffix"])
    root = write_la_address_profile(shared_data, tmp_path_factory.mktemp("la_typos"), verified)
    return Validator(load_profile(root)), verified.reset_index(drop=True)


def test_perturbed_la_addresses_find_the_right_address_first(la_addresses):
    validator, addresses = la_addresses
    rng = np.random.default_rng(2017)
    kinds = ["drop_suffix", "change_suffix", "drop_directional", "swap_directional", "typo",
             "unit", "ordinal"]
    rows = addresses.sample(1000, random_state=7)
    results = []
    for _, row in rows.iterrows():
        possible = [k for k in kinds if not (k == "ordinal" and row.StreetName not in ORDINALS)
                    and not (k == "typo" and len(row.StreetName) < 5)
                    and not (k.endswith("directional") and not row.Direction)]
        kind = possible[int(rng.integers(len(possible)))]
        truth = " ".join(p for p in (row.HouseNumber, row.Direction, row.StreetName,
                                     row.Suffix) if p)
        answer = validator.validate(perturb(row, kind, rng))
        top = answer["address"] or (answer["suggestions"][0]["address"]
                                    if answer["suggestions"] else None)
        # the caller's unit is kept on the answer: compare the delivery line without it
        results.append((kind, top is not None and (top == truth or top.startswith(truth + " "))))
    frame = pd.DataFrame(results, columns=["kind", "right"])
    print("LA typo robustness:", f"{frame.right.mean():.1%} overall;",
          frame.groupby("kind").right.agg(["mean", "size"]).round(3).to_dict("index"))
    assert frame.right.mean() >= 0.95  # measured 97.1 % (drop_suffix 91.7 %, the weakest)
