"""The demo hot-spot map in a real browser (headless Chromium), with the network cut off."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from geo311.hotspots.analysis import analyze
from geo311.jurisdiction import Locator
from geo311.outputs import write_text
from geo311.profile import load_profile
from geo311.render.hotspot_map import hotspot_map
from geo311.service.requests import (
    RequestFilter,
    columns_from_profile,
    load_requests,
    requests_file,
)

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--proxy-server=127.0.0.1:9",  # no network at all
                  "--virtual-time-budget=5000"]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("chromium is not installed (.ci/run installs it)")
    return found


def test_map_draws_cells_legend_and_layers_offline(demo_dir, tmp_path):
    browser = chromium()
    profile = load_profile(demo_dir)
    locator = Locator(profile)
    requests = load_requests(requests_file(profile), columns_from_profile(profile),
                             RequestFilter(types=["GRAFFITI"]))
    result = analyze(requests, locator, by="hex", method="gistar")
    page = write_text(tmp_path / "map.html",
                      hotspot_map(result, requests, locator, title="Graffiti"))
    dom = subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                          "--dump-dom", page.resolve().as_uri()],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    drawn = len(re.findall(r'<path class="leaflet-interactive"', dom))
    hot = int((result.cells["bin"] != 0).sum())
    with_requests = int((result.cells["count"] > 0).sum())
    print(f"browser drew {drawn} shapes ({with_requests} cells with requests, {hot} hot/cold)")
    assert drawn >= with_requests + hot
    assert "Hot spot, 99% confidence" in dom  # the bins legend
    assert "leaflet-control-layers" in dom and "Request density" in dom
    assert "leaflet-heatmap-layer" in dom
