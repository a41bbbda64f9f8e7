"""Static PNG maps: patches keep holes, titles are plain text, each result kind draws."""

from __future__ import annotations

import io

import numpy as np
import pytest
import shapely
from PIL import Image

from geo311.hotspots.analysis import analyze
from geo311.jurisdiction import Locator
from geo311.outputs import write_bytes
from geo311.profile import load_profile
from geo311.render.static_map import polygon_patches, result_png
from geo311.service.requests import (
    RequestFilter,
    columns_from_profile,
    load_requests,
    requests_file,
)


def _drawn(geometry: shapely.Geometry, points: list[tuple[float, float]]) -> list[bool]:
    """Whether each point is painted black when the geometry's patch is drawn."""
    from matplotlib.collections import PatchCollection
    from matplotlib.figure import Figure

    figure = Figure(figsize=(2.2, 1), dpi=100)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.add_collection(PatchCollection(polygon_patches(np.array([geometry])),
                                        facecolor="black", edgecolor="none"))
    axes.set_xlim(0, 22)
    axes.set_ylim(0, 10)
    axes.set_axis_off()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    with Image.open(buffer) as image:
        pixels = np.asarray(image.convert("L"))
    return [pixels[int(99 - y * 10), int(x * 10)] < 128 for x, y in points]


def test_a_polygon_with_a_hole_keeps_the_hole_whatever_the_ring_order():
    hole = [(4, 4), (4, 6), (6, 6), (6, 4)]  # clockwise, then reversed below
    for ring in (hole, hole[::-1]):
        polygon = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], holes=[ring])
        both = shapely.MultiPolygon([polygon, shapely.box(20, 0, 21, 1)])
        assert _drawn(both, [(1, 1), (5, 5), (20.5, 0.5)]) == [True, False, True]


@pytest.fixture(scope="module")
def demo(demo_dir):
    profile = load_profile(demo_dir)
    requests = load_requests(requests_file(profile), columns_from_profile(profile),
                             RequestFilter(types=["POTHOLE"]))
    return Locator(profile), requests


@pytest.mark.parametrize(("by", "method"), [("ward", "counts"), ("hex", "gistar"),
                                            ("grid", "lisa")])
def test_every_result_kind_draws_a_png(demo, tmp_path, by, method):
    locator, requests = demo
    result = analyze(requests, locator, by=by, method=method, permutations=999)
    data = result_png(result, locator, title="Potholes $5 & $6 <b>")
    write_bytes(tmp_path / "map.png", data)
    assert (tmp_path / "map.png").read_bytes() == data
    with Image.open(io.BytesIO(data)) as image:
        colours = len(np.unique(np.asarray(image.convert("RGB")).reshape(-1, 3), axis=0))
    assert colours > 20  # cells, outline and legend, not a blank page
