"""The method registry: one entry per --method, summaries and notable cells per method."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from geo311.cli import hotspots as hotspots_command
from geo311.errors import InputError
from geo311.hotspots.analysis import METHODS, analyze
from geo311.jurisdiction import Locator
from geo311.profile import load_profile
from geo311.service.requests import (
    RequestFilter,
    columns_from_profile,
    load_requests,
    requests_file,
)


@pytest.fixture(scope="module")
def demo(demo_dir):
    profile = load_profile(demo_dir)
    requests = load_requests(requests_file(profile), columns_from_profile(profile),
                             RequestFilter(types=["ENCAMPMENT"]))
    return Locator(profile), requests


def test_every_cli_method_but_kde_is_a_registry_entry():
    option = next(p for p in hotspots_command.params if p.name == "method")
    assert set(option.type.choices) - {"kde"} == set(METHODS)


def test_an_unknown_method_is_refused_naming_the_known_ones(demo):
    locator, requests = demo
    with pytest.raises(InputError, match="method must be one of counts, gistar, optimized"):
        analyze(requests, locator, by="ward", method="hotness")


def test_gistar_summary_has_the_bins_and_the_five_hottest_cells(demo):
    locator, requests = demo
    result = analyze(requests, locator, by="hex", method="gistar")
    summary = result.summary()
    cells = result.cells
    assert summary["cells"] == len(cells)
    assert summary["requests_in_cells"] == int(np.sum(cells["count"].to_numpy()))
    values, counts = np.unique(cells["bin"].to_numpy(), return_counts=True)
    assert summary["bins"] == {str(v): int(c) for v, c in zip(values, counts, strict=True)}
    top = np.argsort(-cells["z"].to_numpy(), kind="stable")[:5]
    assert [h["id"] for h in summary["hottest"]] == cells["id"].to_numpy()[top].tolist()
    assert summary["neighborhood"].startswith("distance band")
    assert (result.notable() == (cells["bin"].to_numpy() != 0)).all()


def test_lisa_and_counts_summaries(demo):
    locator, requests = demo
    lisa = analyze(requests, locator, by="ward", method="lisa", permutations=99)
    assert lisa.summary()["clusters"] == dict(Counter(lisa.cells["cluster"].astype(str)))
    assert (lisa.notable() == (lisa.cells["cluster"].to_numpy() != "ns")).all()
    counts = analyze(requests, locator, by="ward", method="counts")
    assert set(counts.summary()) == {"requests", "cells", "requests_in_cells"}
    assert counts.classes is None and not counts.notable().any()


def test_emerging_summary_counts_the_patterned_cells(demo):
    locator, requests = demo
    result = analyze(requests, locator, by="grid", cell_m=400, method="emerging",
                     start="2024-01-01", end="2026-01-01")
    summary = result.summary()
    categories = result.cells["category"].tolist()
    assert summary["patterns"] == {k: v for k, v in Counter(categories).items()
                                   if k != "no pattern"}
    assert len(summary["steps"]) == 24 and summary["steps"][0] == "2024-01-01"
    strongest = [s["trend_z"] for s in summary["strongest"]]
    assert strongest == sorted(strongest, reverse=True) and len(strongest) <= 5
    assert all(s["category"] != "no pattern" for s in summary["strongest"])
