"""Self-contained, offline HTML maps of requests and hot spots (folium / Leaflet).

The maps load nothing from the network: Leaflet 1.9.4, leaflet.heat 0.2.0 and d3 3.5.17
(for branca's colour-bar legend) are inlined from ``geo311/render/assets`` (fetched from
npm by ``scripts/fetch_map_assets.sh``, licences beside them), folium's jQuery, Bootstrap
and Font Awesome are left out, and there are no basemap tiles unless asked for. Requests
are aggregated before they are drawn (one feature per cell, never one per request), and
every string from the data is HTML-escaped before it reaches the page. :func:`offline_html`
returns the page; the caller writes it or serves it.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Sequence
from importlib import resources
from urllib.parse import urlsplit

import branca.colormap
import branca.element
import folium
import folium.plugins
import numpy as np
import pandas as pd
import shapely

from geo311.errors import Geo311Error
from geo311.hotspots.binning import PointHexes, hex_centroids
from geo311.profile import check_tile_url

__all__ = [
    "BIN_COLORS",
    "BIN_LABELS",
    "CATEGORY_COLORS",
    "LISA_COLORS",
    "LISA_LABELS",
    "add_choropleth",
    "add_emerging_categories",
    "add_heat",
    "add_hotspot_bins",
    "add_lisa_clusters",
    "add_type_layers",
    "base_map",
    "offline_html",
]

OSM_TILES = "OpenStreetMap"
# Gi* bins, hot to cold (RdYlBu; the endpoints are the 5-class ColorBrewer ones)
BIN_COLORS = {3: "#d7191c", 2: "#fdae61", 1: "#fee090", 0: "#ffffbf",
              -1: "#e0f3f8", -2: "#abd9e9", -3: "#2c7bb6"}
BIN_LABELS = {3: "Hot spot, 99% confidence", 2: "Hot spot, 95% confidence",
              1: "Hot spot, 90% confidence", 0: "Not significant",
              -1: "Cold spot, 90% confidence", -2: "Cold spot, 95% confidence",
              -3: "Cold spot, 99% confidence"}
# LISA classes (GeoDa's colours)
LISA_COLORS = {"HH": "#d7191c", "HL": "#fdae61", "LH": "#abd9e9", "LL": "#2c7bb6",
               "ns": "#eeeeee"}
LISA_LABELS = {"HH": "High-high cluster", "HL": "High-low outlier",
               "LH": "Low-high outlier", "LL": "Low-low cluster", "ns": "Not significant"}
# Emerging hot spot patterns: reds for hot, blues for cold, darkest where the spot
# strengthens, purple for oscillating, brown/grey-green for historical
CATEGORY_COLORS = {
    "new hot spot": "#fdd0a2", "consecutive hot spot": "#fdae6b",
    "intensifying hot spot": "#a50f15", "persistent hot spot": "#de2d26",
    "diminishing hot spot": "#fb6a4a", "sporadic hot spot": "#fcbba1",
    "oscillating hot spot": "#e7298a", "historical hot spot": "#8c6d31",
    "new cold spot": "#deebf7", "consecutive cold spot": "#c6dbef",
    "intensifying cold spot": "#08519c", "persistent cold spot": "#3182bd",
    "diminishing cold spot": "#6baed6", "sporadic cold spot": "#9ecae1",
    "oscillating cold spot": "#7570b3", "historical cold spot": "#5b7f6b",
    "no pattern": "#eeeeee",
}
_BRANCA_D3 = "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js"
_SCRIPT = re.compile(r'<script src="([^"]+)"></script>')
_STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)"/>')


def _asset(name: str) -> bytes:
    return resources.files("geo311.render").joinpath("assets", name).read_bytes()


def _data_uri(name: str) -> str:
    return "data:image/png;base64," + base64.b64encode(_asset(name)).decode()


def _inline_css(name: str) -> str:
    css = _asset(name).decode()
    for image in ("layers.png", "layers-2x.png"):
        css = css.replace(f"url(images/{image})", f"url({_data_uri(image)})")
    return css


def base_map(
    bounds: tuple[float, float, float, float], tiles: bool | str | None = None,
    attribution: str | None = None, **kwargs
) -> folium.Map:
    """Return an empty folium map fitted to lon/lat bounds, using only local assets.

    Parameters
    ----------
    bounds : tuple of float
        ``(west, south, east, north)`` in WGS84 degrees.
    tiles : bool or str, optional
        A tile URL template (``https://…/{z}/{x}/{y}.png``), or True for OpenStreetMap's:
        the only network access the page may then make. None (the default): no tiles.
    attribution : str, optional
        The tiles' attribution (default: the tile server's host name).
    **kwargs
        Passed to :class:`folium.Map`.
    """
    west, south, east, north = bounds
    if isinstance(tiles, str):
        check_tile_url(tiles)
        attribution = attribution or urlsplit(tiles).netloc
        m = folium.Map(location=((south + north) / 2, (west + east) / 2), tiles=tiles,
                       attr=attribution, **kwargs)
    else:
        m = folium.Map(location=((south + north) / 2, (west + east) / 2),
                       tiles=OSM_TILES if tiles else None, **kwargs)
    # instance attributes: folium's class defaults (CDN URLs) are left alone
    m.default_js = [("leaflet", "leaflet.js")]
    m.default_css = [("leaflet_css", "leaflet.css")]
    m.fit_bounds([(south, west), (north, east)])
    return m


def offline_html(m: folium.Map) -> str:
    """Return the map as one HTML page with Leaflet, its plugins and d3 inlined.

    Raises
    ------
    Geo311Error
        If the page would still load a script or stylesheet this module has no local
        copy of (a folium element that needs another library).
    """
    page = m.get_root().render()

    def script(match: re.Match) -> str:
        src = match.group(1)
        name = "d3.min.js" if src == _BRANCA_D3 else src
        if name not in ("leaflet.js", "leaflet-heat.js", "d3.min.js"):
            raise Geo311Error(f"no local copy of script {src}", src=src)
        return f"<script>{_asset(name).decode()}</script>"

    def stylesheet(match: re.Match) -> str:
        if match.group(1) != "leaflet.css":
            raise Geo311Error(f"no local copy of stylesheet {match.group(1)}",
                              href=match.group(1))
        return f"<style>{_inline_css('leaflet.css')}</style>"

    return _STYLESHEET.sub(stylesheet, _SCRIPT.sub(script, page))


def _table(rows: Sequence[tuple[str, object]]) -> str:
    """Return an HTML table of escaped label/value pairs (numbers with thousands separators)."""
    def cell(value: object) -> str:
        if isinstance(value, float | np.floating):
            return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
        if isinstance(value, int | np.integer):
            return f"{value:,}"
        return html.escape(str(value))

    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{cell(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _features(geometries: Sequence[shapely.Geometry], properties: list[dict]) -> dict:
    """A GeoJSON FeatureCollection; coordinates rounded to 1e-5 degree (~1 m) for page size.

    Features carry a short ``id``: folium keys its per-feature style lookup on it
    (without one it keys on a property, repeating each popup in the page).
    """
    rounded = shapely.transform(np.asarray(geometries), lambda c: np.round(c, 5))
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": i, "geometry": json.loads(shapely.to_geojson(g)),
             "properties": p}
            for i, (g, p) in enumerate(zip(rounded, properties, strict=True))
        ],
    }


def _popup_layer(
    name: str, geometries: Sequence[shapely.Geometry], popups: list[str], styles: list[dict],
    **kwargs,
) -> folium.GeoJson:
    """A GeoJson layer whose features carry only an escaped popup and their own style."""
    props = [{"popup": p, "style": s} for p, s in zip(popups, styles, strict=True)]
    return folium.GeoJson(
        _features(geometries, props),
        name=html.escape(name),
        style_function=lambda feature: feature["properties"]["style"],
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False),
        **kwargs,
    )


def add_choropleth(
    m: folium.Map,
    geometries: Sequence[shapely.Geometry],
    names: Sequence[str],
    values: Sequence[float],
    caption: str,
    layer: str = "Requests by ward",
    colors: Sequence[str] = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"),
    label: str = "Ward",
    details: Sequence[Sequence[tuple[str, object]]] | None = None,
) -> folium.Map:
    """Add polygons (wards) coloured by a value, with popups and a colour-bar legend.

    Parameters
    ----------
    m : folium.Map
    geometries : sequence of shapely geometries
        Polygons in lon/lat.
    names, values : sequence
        Label (escaped) and value of each polygon.
    caption : str
        Legend title (in popups escaped; the colour bar sets it as text with d3).
    layer : str
        Name in the layer control (escaped).
    colors : sequence of str
        Colour ramp, low to high.
    label : str
        What a polygon is, in its popup ("Ward", "Hexagon").
    details : sequence of sequences of (label, value), optional
        More popup rows per polygon (rates, service levels); escaped.
    """
    values = np.asarray(values, dtype=float)
    colormap = branca.colormap.LinearColormap(
        list(colors), vmin=float(np.nanmin(values)), vmax=float(np.nanmax(values)),
        caption=caption,
    )
    styles = [{"fillColor": colormap(v) if np.isfinite(v) else "#cccccc", "color": "#555555",
               "weight": 1, "fillOpacity": 0.7} for v in values]
    extra = details if details is not None else [()] * len(values)
    popups = [_table([(label, n), (caption, v), *rows])
              for n, v, rows in zip(names, values, extra, strict=True)]
    _popup_layer(layer, geometries, popups, styles).add_to(m)
    colormap.add_to(m)
    return m


class _Legend(branca.element.MacroElement):
    """A Leaflet control listing classes with their colours (Gi* bins, LISA clusters)."""

    _template = branca.element.Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: "bottomright"});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create("div", "geo311-legend");
            div.style.cssText = "background:#fff;padding:6px 8px;font:12px sans-serif;"
                + "border-radius:4px;box-shadow:0 0 4px rgba(0,0,0,.4)";
            div.innerHTML = {{ this.html|tojson }};
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, title: str, items: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self._name = "Legend"
        rows = "".join(
            f'<div><i style="display:inline-block;width:14px;height:14px;margin-right:6px;'
            f'vertical-align:middle;background:{color}"></i>{html.escape(label)}</div>'
            for color, label in items
        )
        self.html = f"<b>{html.escape(title)}</b>{rows}"


def _add_classes(
    m: folium.Map, geometries: Sequence[shapely.Geometry], classes: list, colors: dict,
    labels: dict, rows: list[list[tuple[str, object]]], layer: str, faint: object = None,
) -> folium.Map:
    """Add cells coloured by class with their popup rows, and a legend of the classes shown.

    The legend lists every class of ``colors`` in its order (all of them when
    ``faint`` is set, else those present); the ``faint`` class is drawn see-through.
    """
    styles = [{"fillColor": colors[c], "color": colors[c], "weight": 0.5,
               "fillOpacity": 0.25 if c == faint else 0.75} for c in classes]
    popups = [_table(r) for r in rows]
    _popup_layer(layer, geometries, popups, styles).add_to(m)
    shown = [c for c in colors if faint is not None or c in set(classes)]
    m.add_child(_Legend(layer, [(colors[c], labels[c]) for c in shown]))
    return m


def add_hotspot_bins(
    m: folium.Map,
    geometries: Sequence[shapely.Geometry],
    bins: Sequence[int],
    counts: Sequence[float],
    z: Sequence[float],
    p_fdr: Sequence[float],
    layer: str = "Hot spots (Gi*)",
) -> folium.Map:
    """Add cells coloured by Gi* bin (-3..+3), with popups of the numbers and a legend.

    Parameters
    ----------
    m : folium.Map
    geometries : sequence of shapely geometries
        Cells in lon/lat (:func:`~geo311.hotspots.binning.hex_polygons`).
    bins, counts, z, p_fdr : sequence
        Per cell, as :class:`~geo311.hotspots.gistar.GiStar` gives them.
    layer : str
        Name in the layer control and legend title (escaped).
    """
    bins = np.asarray(bins, dtype=int).tolist()
    rows = [[("Requests", c), ("Gi* z", float(zi)), ("p (FDR)", float(pi)),
             ("Bin", BIN_LABELS[b])]
            for b, c, zi, pi in zip(bins, counts, z, p_fdr, strict=True)]
    return _add_classes(m, geometries, bins, BIN_COLORS, BIN_LABELS, rows, layer, faint=0)


def add_lisa_clusters(
    m: folium.Map,
    geometries: Sequence[shapely.Geometry],
    clusters: Sequence[str],
    counts: Sequence[float],
    Is: Sequence[float],
    p_fdr: Sequence[float],
    layer: str = "Clusters and outliers (local Moran's I)",
) -> folium.Map:
    """Add cells coloured by LISA class (HH, LL, HL, LH, ns), with popups and a legend.

    Parameters
    ----------
    m : folium.Map
    geometries : sequence of shapely geometries
        Cells in lon/lat.
    clusters, counts, Is, p_fdr : sequence
        Per cell, as :class:`~geo311.hotspots.moran.LocalMoran` gives them.
    layer : str
        Name in the layer control and legend title (escaped).
    """
    clusters = [str(c) for c in clusters]
    rows = [[("Requests", c), ("Local Moran's I", float(i)), ("p (FDR)", float(p)),
             ("Class", LISA_LABELS[k])]
            for k, c, i, p in zip(clusters, counts, Is, p_fdr, strict=True)]
    return _add_classes(m, geometries, clusters, LISA_COLORS, LISA_LABELS, rows, layer,
                        faint="ns")


def add_emerging_categories(
    m: folium.Map,
    geometries: Sequence[shapely.Geometry],
    categories: Sequence[str],
    counts: Sequence[float],
    hot_steps: Sequence[int],
    cold_steps: Sequence[int],
    trend_z: Sequence[float],
    steps: int,
    layer: str = "Emerging hot spots",
) -> folium.Map:
    """Add cells coloured by emerging hot spot pattern, with popups and a legend.

    Parameters
    ----------
    m : folium.Map
    geometries : sequence of shapely geometries
        Cells in lon/lat.
    categories : sequence of str
        Pattern of each cell (:data:`~geo311.hotspots.emerging.CATEGORIES`).
    counts, hot_steps, cold_steps, trend_z : sequence
        Requests, steps hot, steps cold and the Mann-Kendall z of the Gi* trend.
    steps : int
        Time steps of the analysis.
    layer : str
        Name in the layer control and legend title (escaped).
    """
    categories = [str(c) for c in categories]
    rows = [[("Pattern", c.capitalize()), ("Requests", n),
             ("Hot in", f"{h} of {steps} steps"), ("Cold in", f"{k} of {steps} steps"),
             ("Trend z (Mann-Kendall)", float(t))]
            for c, n, h, k, t in zip(categories, counts, hot_steps, cold_steps, trend_z,
                                     strict=True)]
    labels = {c: c.capitalize() for c in CATEGORY_COLORS}
    return _add_classes(m, geometries, categories, CATEGORY_COLORS, labels, rows, layer)


def add_heat(
    m: folium.Map, hexes: PointHexes, resolution: int = 10,
    layer: str = "Request density", radius: int = 12,
) -> folium.Map:
    """Add a heat layer of the points aggregated to H3 cells (one weighted point per cell).

    ``hexes`` indexes the points (:class:`~geo311.hotspots.binning.PointHexes`, at
    ``resolution`` or finer). Weights are the cell counts over their 99th
    percentile, capped at 1 (leaflet.heat's default maximum), so that a few very
    busy addresses do not wash out the rest.
    """
    cells = hexes.counts(resolution)
    if cells.cells.size == 0:
        return m
    cell_lons, cell_lats = hex_centroids(cells.cells)
    weights = np.minimum(cells.counts / max(np.percentile(cells.counts, 99), 1.0), 1.0)
    data = np.column_stack([cell_lats, cell_lons, weights]).round(5).tolist()
    heat = folium.plugins.HeatMap(data, name=html.escape(layer), radius=radius)
    heat.default_js = [("leaflet-heat.js", "leaflet-heat.js")]
    heat.add_to(m)
    return m


def add_type_layers(
    m: folium.Map,
    hexes: PointHexes,
    types: np.ndarray,
    resolution: int = 8,
    color: str = "#3a3a8c",
    show: bool = False,
) -> folium.Map:
    """Add one layer per request type: a circle per H3 cell, its area proportional to the count.

    Parameters
    ----------
    m : folium.Map
    hexes : PointHexes
        The requests' points, indexed at ``resolution`` or finer.
    types : array_like of str
        Request type of each point given to ``hexes`` (escaped in layer names and popups).
    resolution : int
        H3 resolution of the aggregation.
    color : str
        Circle colour.
    show : bool
        Whether the layers are switched on when the page opens.
    """
    codes, names = pd.factorize(np.asarray(types).astype(str), sort=True)
    present = np.zeros(len(names), dtype=bool)
    present[codes[hexes.valid]] = True
    for code in np.flatnonzero(present).tolist():
        name = str(names[code])
        cells = hexes.counts(resolution, where=codes == code)
        cell_lons, cell_lats = hex_centroids(cells.cells)
        radii = 3 + 12 * np.sqrt(cells.counts / cells.counts.max())
        styles = [{"radius": round(float(r), 1), "color": color, "fillColor": color,
                   "weight": 1, "fillOpacity": 0.5} for r in radii]
        popups = [_table([("Type", name), ("Requests", c)]) for c in cells.counts.tolist()]
        _popup_layer(name, shapely.points(cell_lons, cell_lats), popups, styles,
                     marker=folium.CircleMarker(), show=show).add_to(m)
    return m
