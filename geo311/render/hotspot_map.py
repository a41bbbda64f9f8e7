"""The HTML map of one hot-spot analysis: counts, the method's classes, density, types.

:func:`hotspot_map` returns the self-contained offline page (see
:mod:`geo311.render.maps`) of a :class:`~geo311.hotspots.analysis.HotspotResult`;
:func:`hotspot_folium` returns the folium map before it is turned into a page.
Which layer shows the method's classes follows the column that classes the cells
(:data:`~geo311.hotspots.analysis.METHODS`).
"""

from __future__ import annotations

from collections.abc import Callable

import folium
import numpy as np
import pandas as pd

from geo311.hotspots.aggregate import point_hexes
from geo311.hotspots.analysis import HotspotResult
from geo311.jurisdiction import Locator
from geo311.render import maps
from geo311.render.basemap import Basemap
from geo311.service.requests import Requests

__all__ = ["hotspot_folium", "hotspot_map"]

# district figures shown in the map's popups: column, label, scale
_DETAILS = (
    ("share", "Share of requests (%)", 100),
    ("per_1000_residents", "Per 1,000 residents", 1),
    ("per_km2", "Per km²", 1),
    ("median_days_to_close", "Median days to close", 1),
    ("pct_closed_within_sla", "Closed within SLA (%)", 1),
    ("open_backlog", "Open backlog", 1),
    ("open_past_sla", "Open past SLA", 1),
)


def _details(cells: pd.DataFrame) -> list[list[tuple[str, object]]]:
    """Popup rows of the district figures each cell has (NaN left out)."""
    columns = [(c, label, scale) for c, label, scale in _DETAILS if c in cells]
    rows = []
    for record in cells[[c for c, _, _ in columns]].itertuples(index=False):
        rows.append([(label, value * scale) for (_, label, scale), value in zip(
            columns, record, strict=True) if pd.notna(value)])
    return rows


def _bins(m: folium.Map, geometries: np.ndarray, cells: pd.DataFrame,
          result: HotspotResult, label: str) -> None:
    maps.add_hotspot_bins(m, geometries, cells["bin"].tolist(), cells["count"].tolist(),
                          cells["z"].tolist(), cells["p_fdr"].tolist(),
                          layer=f"Hot spots (Gi*, {label})")


def _clusters(m: folium.Map, geometries: np.ndarray, cells: pd.DataFrame,
              result: HotspotResult, label: str) -> None:
    maps.add_lisa_clusters(m, geometries, cells["cluster"].tolist(), cells["count"].tolist(),
                           cells["Is"].tolist(), cells["p_fdr"].tolist(),
                           layer=f"Clusters and outliers (local Moran's I, {label})")


def _patterns(m: folium.Map, geometries: np.ndarray, cells: pd.DataFrame,
              result: HotspotResult, label: str) -> None:
    maps.add_emerging_categories(
        m, geometries, cells["category"].tolist(), cells["count"].tolist(),
        cells["hot_steps"].tolist(), cells["cold_steps"].tolist(), cells["trend_z"].tolist(),
        steps=result.emerging.z.shape[1], layer=f"Emerging hot spots ({label})")


# the layer of each column that classes cells (Method.classes)
_CLASS_LAYERS: dict[str, Callable[..., None]] = {
    "bin": _bins, "cluster": _clusters, "category": _patterns}


def hotspot_folium(result: HotspotResult, requests: Requests, locator: Locator, *,
                   title: str = "Service requests",
                   tiles: bool | str | None = None) -> folium.Map:
    """Return the folium map of ``result``: counts, the method's classes, density, types.

    Every string from the data is escaped; only the cells with requests, and of the
    classes only the notable ones (significant, with a pattern), are drawn, over the
    profile's own streets, limits and water (:class:`~geo311.render.basemap.Basemap`);
    online ``tiles`` (a URL template, True for OpenStreetMap's) default to the profile's
    ``[maps] tiles``, and there are none without it.
    """
    settings = locator.profile.maps
    if tiles is None:
        tiles = settings.tiles
    attribution = settings.tiles_attribution if tiles == settings.tiles else None
    m = maps.base_map(locator.boundary.bounds, tiles=tiles, attribution=attribution)
    Basemap.from_profile(locator.profile).add_to(m)  # named streets and limits, offline
    label = "district" if result.by not in ("hex", "grid") else result.by
    # page size: empty cells stay off the count layer, non-significant ones off the classes
    shown = (result.cells["count"] > 0).to_numpy()
    cells = result.cells[shown]
    if shown.any():
        maps.add_choropleth(m, result.geometries[shown], cells["name"].astype(str).tolist(),
                            cells["count"].tolist(), f"{title}: requests per {label}",
                            layer=f"Requests by {label}", label=label.capitalize(),
                            details=_details(cells))
    notable = result.notable()
    if notable.any():
        _CLASS_LAYERS[result.classes](m, result.geometries[notable], result.cells[notable],
                                      result, label)
    usable = requests.valid
    hexes = point_hexes(requests)
    maps.add_heat(m, hexes)
    if usable["type"].nunique() > 1:
        maps.add_type_layers(m, hexes, usable["type"].astype(str).to_numpy(), resolution=7)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def hotspot_map(result: HotspotResult, requests: Requests, locator: Locator, *,
                title: str = "Service requests", tiles: bool | str | None = None) -> str:
    """Return the offline HTML page of :func:`hotspot_folium`'s map of ``result``."""
    return maps.offline_html(hotspot_folium(result, requests, locator, title=title,
                                            tiles=tiles))
