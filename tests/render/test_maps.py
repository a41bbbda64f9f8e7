"""Offline HTML maps: nothing loaded from the network, data escaped, legends present,
the demo's 120,000 requests aggregated into a page of a few MB."""

from __future__ import annotations

import re

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo311.errors import Geo311Error
from geo311.hotspots.binning import PointHexes, hex_counts, hex_polygons, project_lonlat
from geo311.hotspots.gistar import GiStar
from geo311.hotspots.weights import knn
from geo311.outputs import write_text
from geo311.render import maps

EVIL = '<script>alert(1)</script> "quotes"'
# a resource the browser would fetch: src=, url(, @import or <link href= with a remote URL
REMOTE_LOAD = re.compile(
    r"""(?:\bsrc\s*=\s*|url\(\s*|@import\s+(?:url\(\s*)?|<link[^>]*\bhref\s*=\s*)["']?"""
    r"""(?:https?:)?//""",
    re.IGNORECASE,
)
REMOTE_HREF = re.compile(r"""\bhref\s*=\s*["']?((?:https?:)?//[^"' >]+)""", re.IGNORECASE)


@pytest.fixture(scope="module")
def demo_map(demo_dir, tmp_path_factory):
    """Choropleth by ward + Gi* bins + heat + 2 request-type layers, saved to a file."""
    requests = pd.read_csv(demo_dir / "requests.csv")
    wards = gpd.read_file(demo_dir / "wards.geojson")
    lons, lats = requests["lon"].to_numpy(), requests["lat"].to_numpy()
    names = wards["name"].astype(str).tolist()
    names[0] = EVIL
    per_ward = gpd.sjoin(gpd.GeoDataFrame(geometry=gpd.points_from_xy(lons, lats), crs=4326),
                         wards.to_crs(4326), predicate="within").groupby("index_right").size()
    m = maps.base_map(tuple(wards.to_crs(4326).total_bounds))
    maps.add_choropleth(m, wards.to_crs(4326).geometry.values, names,
                        per_ward.reindex(range(len(wards)), fill_value=0).to_numpy(),
                        caption="Requests " + EVIL)
    cells = hex_counts(lons, lats, 8)
    lons_c, lats_c = (np.array(c) for c in zip(*[p.centroid.coords[0]
                                                 for p in hex_polygons(cells.cells)],
                                               strict=True))
    x, y = project_lonlat(lons_c, lats_c, "EPSG:32611")
    gi = GiStar(cells.counts, knn(x, y, 8))
    maps.add_hotspot_bins(m, hex_polygons(cells.cells), gi.bin, cells.counts, gi.z, gi.p_fdr)
    maps.add_heat(m, PointHexes(lons, lats, 10))
    types = requests["service_code"].to_numpy().astype(object)
    keep = np.isin(types, ["POTHOLE", "NOISE"])
    types[types == "NOISE"] = EVIL
    maps.add_type_layers(m, PointHexes(lons[keep], lats[keep], 8), types[keep])
    folium.LayerControl(collapsed=False).add_to(m)
    path = write_text(tmp_path_factory.mktemp("maps") / "demo.html", maps.offline_html(m))
    return path, len(requests), gi


def test_demo_map_loads_nothing_from_the_network(demo_map):
    page = demo_map[0].read_text(encoding="utf-8")
    assert not REMOTE_LOAD.findall(page)
    # the one remote href is the "Leaflet" credit link inside leaflet.js: a link, not a load
    assert set(REMOTE_HREF.findall(page)) == {"https://leafletjs.com"}
    assert "<link" not in page and not re.search(r"<script[^>]+src=", page)
    for library in ("jquery", "bootstrap", "font-awesome", "fontawesome", "awesome-markers"):
        assert library not in page.lower()


def test_demo_map_inlines_leaflet_heat_and_d3_with_their_images(demo_map):
    page = demo_map[0].read_text(encoding="utf-8")
    assert "Leaflet 1.9.4" in page  # leaflet.js banner
    assert "L.heatLayer" in page and "d3.scale" in page
    assert "url(data:image/png;base64," in page and "url(images/layers" not in page


def test_demo_map_of_120k_requests_is_under_5_mb(demo_map):
    path, n_requests, _ = demo_map
    assert n_requests == 120_000
    assert path.stat().st_size <= 5_000_000  # measured 0.96 MB (2.0 MB with every request type)


def decoded(page: str) -> str:
    """The page with JSON's \\u escapes of & < > undone (as the browser's JS sees it)."""
    return page.replace("\\u0026", "&").replace("\\u003c", "<").replace("\\u003e", ">")


def test_names_from_the_data_are_escaped_everywhere(demo_map):
    page = demo_map[0].read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page
    assert '"quotes"' not in page
    # popups (ward and type) and layer-control labels go through innerHTML: escaped
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &quot;quotes&quot;"
    assert decoded(page).count(f"<td>{escaped}</td>") >= 2
    assert f'"{escaped}" : geo_json_' in decoded(page)


def test_hotspot_legend_and_palette_are_on_the_page(demo_map):
    page = demo_map[0].read_text(encoding="utf-8")
    _, _, gi = demo_map
    for b in set(gi.bin.tolist()):
        assert maps.BIN_COLORS[b] in page
    for label in maps.BIN_LABELS.values():
        assert label in page
    assert maps.BIN_COLORS[3] == "#d7191c" and maps.BIN_COLORS[-3] == "#2c7bb6"
    # the choropleth's colour-bar caption, set as text (not HTML) by d3
    assert '.text("Requests \\u003cscript\\u003ealert(1)' in page


def test_layer_control_lists_one_layer_per_request_type(demo_map):
    page = demo_map[0].read_text(encoding="utf-8")
    control = decoded(re.search(r"overlays\s*:\s*\{(.*?)\}", page, re.S).group(1))
    assert '"POTHOLE"' in control
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &quot;quotes&quot;" in control
    assert "Hot spots (Gi*)" in control and "Request density" in control


def test_tiles_are_off_by_default_and_only_osm_when_asked():
    bounds = (-118.3, 34.0, -118.2, 34.1)
    assert "tile.openstreetmap.org" not in maps.offline_html(maps.base_map(bounds))
    page = maps.offline_html(maps.base_map(bounds, tiles=True))
    assert "tile.openstreetmap.org" in page
    assert not re.search(r"<script[^>]+src=", page)


def test_an_element_needing_another_library_is_refused():
    m = maps.base_map((-118.3, 34.0, -118.2, 34.1))
    folium.Marker((34.05, -118.25), icon=folium.Icon(icon="cloud")).add_to(m)
    m.add_child(folium.plugins.MarkerCluster())
    with pytest.raises(Geo311Error, match="no local copy"):
        maps.offline_html(m)


def test_popup_numbers_are_formatted():
    m = maps.base_map((-118.3, 34.0, -118.2, 34.1))
    square = shapely.box(-118.26, 34.04, -118.24, 34.06)
    maps.add_hotspot_bins(m, [square], [3], [1234], [4.5678], [0.00123])
    page = maps.offline_html(m)
    assert "1,234" in page and "4.57" in page and "0.00123" in page
