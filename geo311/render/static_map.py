"""Static PNG maps of a hot-spot result, for reports and e-mail.

:func:`result_png` returns a PNG of the cells of a :class:`~geo311.hotspots.analysis.HotspotResult`
in the metric CRS of the profile, over the city outline: Gi* bins in the same
palette as the HTML maps, LISA classes, emerging hot spot patterns, or, for
plain counts, a sequential ramp with a colour bar. It needs matplotlib only (no
tiles, no network) and works without a display. The legend follows the column that
classes the cells (:data:`~geo311.hotspots.analysis.METHODS`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from matplotlib.collections import PatchCollection
from matplotlib.colors import LinearSegmentedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from pyproj import Transformer

from geo311.render._png import figure_png
from geo311.render.maps import (
    BIN_COLORS,
    BIN_LABELS,
    CATEGORY_COLORS,
    LISA_COLORS,
    LISA_LABELS,
)

__all__ = ["polygon_patches", "result_png"]

_RAMP = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")


def _ring_codes(n: int) -> list[int]:
    return [MplPath.MOVETO] + [MplPath.LINETO] * (n - 2) + [MplPath.CLOSEPOLY]


def polygon_patches(geometries: np.ndarray) -> list[PathPatch]:
    """Return one matplotlib patch per (multi)polygon, holes cut out.

    Rings are oriented (exteriors counter-clockwise, holes clockwise) so that
    matplotlib's non-zero winding rule leaves the holes empty.
    """
    patches = []
    for geometry in shapely.orient_polygons(np.asarray(geometries)):
        vertices, codes = [], []
        for polygon in shapely.get_parts(geometry):
            rings = [polygon.exterior, *polygon.interiors]
            for ring in rings:
                xy = np.asarray(ring.coords)
                vertices.append(xy)
                codes.extend(_ring_codes(len(xy)))
        if vertices:
            patches.append(PathPatch(MplPath(np.concatenate(vertices), codes)))
    return patches


_Classes = tuple[list[str], list[tuple[str, str]], str]


def _patterns(values: pd.Series) -> _Classes:
    present = [c for c in CATEGORY_COLORS if (values == c).any()]
    return ([CATEGORY_COLORS[c] for c in values],
            [(CATEGORY_COLORS[c], c.capitalize()) for c in present], "Emerging hot spots")


def _bins(values: pd.Series) -> _Classes:
    items = [(BIN_COLORS[b], BIN_LABELS[b]) for b in sorted(BIN_COLORS, reverse=True)]
    return [BIN_COLORS[b] for b in values.astype(int).tolist()], items, "Hot spots (Gi*)"


def _clusters(values: pd.Series) -> _Classes:
    items = [(LISA_COLORS[k], LISA_LABELS[k]) for k in LISA_COLORS]
    return [LISA_COLORS[k] for k in values.astype(str).tolist()], items, "Local Moran's I"


# colours per cell, legend items and legend title, by the column that classes the cells
_LEGENDS = {"category": _patterns, "bin": _bins, "cluster": _clusters}


def result_png(result, locator, *, title: str = "", dpi: int = 100) -> bytes:
    """Return a PNG map of ``result`` over the city outline.

    Parameters
    ----------
    result : HotspotResult
        From :func:`~geo311.hotspots.analysis.analyze`.
    locator : Locator
        The profile's engine: its metric CRS and the city boundary.
    title : str
        Figure title (drawn as text, never interpreted).
    dpi : int
        Resolution; the figure is 8 × 8 inches.
    """
    to_metric = Transformer.from_crs("EPSG:4326", locator.metric_crs, always_xy=True)
    cells = shapely.transform(np.asarray(result.geometries), to_metric.transform,
                              interleaved=False)
    figure = Figure(figsize=(8, 8), dpi=dpi, layout="constrained")
    axes = figure.subplots()
    patches = PatchCollection(polygon_patches(cells), linewidths=0.2)
    if result.classes is None:
        counts = result.cells["count"].to_numpy(dtype=float)
        ramp = LinearSegmentedColormap.from_list("requests", _RAMP)
        patches.set_cmap(ramp)
        patches.set_norm(Normalize(0, max(float(counts.max()), 1.0)))
        patches.set_array(counts)
        patches.set_edgecolor("#555555")
        figure.colorbar(patches, ax=axes, shrink=0.7, label="requests per cell")
    else:
        colors, items, legend = _LEGENDS[result.classes](result.cells[result.classes])
        patches.set_facecolor(colors)
        patches.set_edgecolor("#ffffff")  # thin white seams keep neighboring cells apart
        axes.legend(handles=[Patch(facecolor=c, label=label) for c, label in items],
                    title=legend, loc="lower left", fontsize=8, title_fontsize=9,
                    framealpha=0.9)
    axes.add_collection(patches)
    city = locator.boundary_metric
    outline = PatchCollection(polygon_patches(np.array([city])), facecolor="none",
                              edgecolor="#222222", linewidths=1.0)
    axes.add_collection(outline)
    xmin, ymin, xmax, ymax = shapely.total_bounds(np.array([city, *cells]))
    pad = 0.02 * max(xmax - xmin, ymax - ymin)
    axes.set_xlim(xmin - pad, xmax + pad)
    axes.set_ylim(ymin - pad, ymax + pad)
    axes.set_aspect("equal")
    axes.set_axis_off()
    axes.set_title(title or f"Requests by {result.by}: {result.method}", fontsize=11,
                   parse_math=False)
    if result.neighborhood:
        axes.text(0.99, 0.01, f"neighborhood: {result.neighborhood}", ha="right",
                  va="bottom", fontsize=7, transform=axes.transAxes, color="#444444")
    return figure_png(figure)
