"""An offline basemap drawn from the profile's own layers: named streets and labelled limits.

Maps without tiles are polygons on a blank background; a planner cannot tell where a hot spot
is. :class:`Basemap` gives them the street centerlines of ``[addresses] centerlines`` with
their names (shown from street zoom on), the city limit and the neighbors' limits with
their names, and the water of ``[maps] water`` (rivers, canals, lakes: polygons or lines)
under the streets. Nothing is fetched: online tiles stay off unless the profile's
``[maps] tiles`` or a flag asks for them. The pages ask :meth:`Basemap.streets`,
:meth:`Basemap.limit_features` and :meth:`Basemap.water_features` for what lies in a view;
:meth:`Basemap.add_to` puts the same layers on a folium map (the CLI's maps).
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import folium
import numpy as np
import pyogrio
import shapely

from geo311.address.reference import CENTERLINE_FIELDS
from geo311.errors import ProfileError
from geo311.profile import Profile

__all__ = ["STREET_ZOOM", "Basemap"]

STREET_ZOOM = 15
"""From this zoom on, street names are shown."""

_ROUND = 5
_SIMPLIFY_DEG = 0.00002  # ~2 m
_STREET_STYLE = {"color": "#9a9a9a", "weight": 2, "opacity": 0.9}
_LIMIT_STYLE = {"color": "#4a4a4a", "weight": 1.5, "dashArray": "4 3", "fill": False}
_WATER_STYLE = {"color": "#6a9ec9", "weight": 2, "fillColor": "#b9d6ee", "fillOpacity": 0.9}


@dataclass
class Basemap:
    """Named street lines and labelled limits (all lon/lat)."""

    street_lines: np.ndarray
    street_names: np.ndarray
    limits: list[tuple[str, shapely.Geometry]] = field(default_factory=list)
    water: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    water_names: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))

    def __post_init__(self) -> None:
        self._tree = shapely.STRtree(self.street_lines)
        self._water_tree = shapely.STRtree(self.water)

    @classmethod
    def from_profile(cls, profile: Profile) -> Basemap:
        """The profile's centerlines (none without ``[addresses] centerlines``), the limits
        of the city and its neighbors, and the water of ``[maps] water`` (none without it).

        Raises
        ------
        ProfileError
            If the centerline or water file cannot be read.
        """
        lines, names = np.empty(0, dtype=object), np.empty(0, dtype=object)
        settings = profile.addresses
        if settings is not None and settings.centerlines:
            path = profile.resolve_path(settings.centerlines, "addresses")
            lines, names = _read_streets(path, dict(settings.centerline_fields or {}))
        limits = [(profile.jurisdiction.name, profile.boundary)]
        if profile.neighbor_layer is not None:
            limits += [(agency.name, geom) for agency, geom
                       in zip(profile.neighbors, profile.neighbor_layer.geoms, strict=True)]
        water, water_names = np.empty(0, dtype=object), np.empty(0, dtype=object)
        if profile.maps.water:
            path = profile.resolve_path(profile.maps.water, "[maps] water")
            water, water_names = _read_water(path, profile.maps.water_name_field)
        return cls(lines, names, limits, water, water_names)

    def water_features(self, bbox: Sequence[float] | None = None) -> dict:
        """The water crossing ``bbox`` (all without one) as a GeoJSON FeatureCollection, each
        feature with its ``name`` (may be empty), simplified to ~5 m."""
        hits = (np.arange(len(self.water)) if bbox is None
                else np.sort(self._water_tree.query(shapely.box(*bbox))))
        geoms = shapely.simplify(self.water[hits], 2.5 * _SIMPLIFY_DEG, preserve_topology=True)
        geoms = shapely.transform(geoms, lambda c: np.round(c, _ROUND))
        return {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": json.loads(shapely.to_geojson(g)),
             "properties": {"name": str(n)}}
            for g, n in zip(geoms, self.water_names[hits], strict=True)]}

    def limit_features(self, bbox: Sequence[float]) -> dict:
        """The city and neighbor limits over ``bbox`` as a GeoJSON FeatureCollection: each
        limit's outline (simplified to ~2 m) with its ``name`` and ``label``, a point of the
        limit's area inside ``bbox`` to write the name at."""
        box = shapely.box(*bbox)
        features = []
        for (name, geom), outline in zip(self.limits, self._outlines, strict=True):
            inside = shapely.intersection(geom, box)
            if inside.is_empty:
                continue
            label = shapely.point_on_surface(inside)
            features.append({"type": "Feature", "geometry": outline, "properties": {
                "name": str(name), "label": [round(label.x, _ROUND), round(label.y, _ROUND)]}})
        return {"type": "FeatureCollection", "features": features}

    @cached_property
    def _outlines(self) -> list[dict]:
        """Each limit's outline as GeoJSON (simplified, rounded), built once."""
        return [json.loads(shapely.to_geojson(shapely.transform(
            shapely.simplify(shapely.boundary(geom), _SIMPLIFY_DEG),
            lambda c: np.round(c, _ROUND)))) for _, geom in self.limits]

    def streets(self, bbox: Sequence[float]) -> dict:
        """The streets crossing ``bbox`` (west, south, east, north) as a GeoJSON
        FeatureCollection of lines, each with its ``name``, simplified to ~2 m."""
        hits = self._tree.query(shapely.box(*bbox))
        hits.sort()
        geoms = shapely.simplify(self.street_lines[hits], _SIMPLIFY_DEG)
        geoms = shapely.transform(geoms, lambda c: np.round(c, _ROUND))
        return {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": json.loads(shapely.to_geojson(g)),
             "properties": {"name": str(n)}}
            for g, n in zip(geoms, self.street_names[hits], strict=True)]}

    def label_points(self, bbox: Sequence[float] | None = None) -> list[tuple[str, float, float]]:
        """One label per street name: ``(name, lon, lat)`` at the middle of its longest
        segment (inside ``bbox`` when given)."""
        index = (np.arange(len(self.street_lines)) if bbox is None
                 else np.sort(self._tree.query(shapely.box(*bbox))))
        lengths = shapely.length(self.street_lines[index])
        best: dict[str, int] = {}
        for i, length in zip(index.tolist(), lengths.tolist(), strict=True):
            name = str(self.street_names[i])
            if name not in best or length > shapely.length(self.street_lines[best[name]]):
                best[name] = i
        labels = []
        for name, i in sorted(best.items()):
            middle = shapely.line_interpolate_point(self.street_lines[i], 0.5, normalized=True)
            labels.append((name, round(middle.x, _ROUND), round(middle.y, _ROUND)))
        return labels

    def add_to(self, m: folium.Map) -> folium.Map:
        """Add the water, the limits (with their names) and the streets (names from
        :data:`STREET_ZOOM` on) to a folium map, as layers under the data."""
        if len(self.water):
            folium.GeoJson(self.water_features(), name="Water",
                           style_function=lambda _f: _WATER_STYLE).add_to(m)
        limits = folium.FeatureGroup(name="Limits", control=True)
        for name, geom in self.limits:
            outline = shapely.transform(shapely.simplify(shapely.boundary(geom), _SIMPLIFY_DEG),
                                        lambda c: np.round(c, _ROUND))
            folium.GeoJson(json.loads(shapely.to_geojson(outline)),
                           style_function=lambda _f: _LIMIT_STYLE,
                           tooltip=html.escape(name)).add_to(limits)
        limits.add_to(m)
        if len(self.street_lines):
            folium.GeoJson(self.merged_streets(), name="Streets",
                           style_function=lambda _f: _STREET_STYLE,
                           tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False)
                           ).add_to(m)
        return m

    def merged_streets(self) -> dict:
        """Every street as one feature (its segments merged, simplified to ~5 m):
        the whole city in a page of modest size."""
        order = np.argsort(self.street_names, kind="stable")
        names, starts = np.unique(self.street_names[order].astype(str), return_index=True)
        groups = np.split(order, starts[1:])
        features = []
        for name, members in zip(names, groups, strict=True):
            merged = shapely.line_merge(shapely.multilinestrings(self.street_lines[members]))
            merged = shapely.transform(shapely.simplify(merged, 2.5 * _SIMPLIFY_DEG),
                                       lambda c: np.round(c, _ROUND))
            features.append({"type": "Feature", "geometry": json.loads(shapely.to_geojson(merged)),
                             "properties": {"name": str(name)}})
        return {"type": "FeatureCollection", "features": features}


def _read_streets(path, mapping: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Centerline lines (lon/lat) and their display names (FULLNAME, else the parts)."""
    names = {**CENTERLINE_FIELDS, **mapping}
    try:
        frame = pyogrio.read_dataframe(path)
    except Exception as exc:  # pyogrio raises several types for a bad file
        raise ProfileError(f"[addresses] centerlines: cannot read {path}: {exc}",
                           file=str(path)) from exc
    if frame.crs is not None:
        frame = frame.to_crs("EPSG:4326")
    if names["fullname"] in frame:
        label = frame[names["fullname"]].fillna("").astype(str).str.strip()
    else:
        parts = [frame[names[k]].fillna("").astype(str) for k in
                 ("predir", "name", "suffix", "postdir") if names[k] in frame]
        label = parts[0].str.cat(parts[1:], sep=" ").str.split().str.join(" ")
    keep = (label != "").to_numpy() & ~frame.geometry.isna().to_numpy()
    return frame.geometry.to_numpy()[keep], label.to_numpy()[keep].astype(object)


def _read_water(path, name_field: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Water shapes (lon/lat) and their names (``name_field``, else a ``name`` column)."""
    try:
        frame = pyogrio.read_dataframe(path)
    except Exception as exc:  # pyogrio raises several types for a bad file
        raise ProfileError(f"[maps] water: cannot read {path}: {exc}", file=str(path)) from exc
    if name_field and name_field not in frame:
        raise ProfileError(f"[maps] water_name_field: {path} has no column {name_field!r}",
                           file=str(path), field="water_name_field")
    if frame.crs is not None:
        frame = frame.to_crs("EPSG:4326")
    column = name_field or ("name" if "name" in frame else None)
    names = (frame[column].fillna("").astype(str).to_numpy(dtype=object) if column
             else np.full(len(frame), "", dtype=object))
    keep = ~(frame.geometry.isna() | frame.geometry.is_empty).to_numpy()
    return frame.geometry.to_numpy()[keep], names[keep]
