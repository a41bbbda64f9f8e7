"""What the pages' maps draw: the point, the city, and the features that serve it, as GeoJSON.

The pages draw their maps with Leaflet from a small JSON document (:meth:`MapShapes.answer`)
embedded with ``|tojson``: polygons simplified to about 5 m and rounded to 1e-5 degree, each
feature with its layer, name and contact as plain text (the page's script sets them as text,
never as HTML). Shapes are simplified once per feature and kept.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import numpy as np
import shapely

from geo311.jurisdiction import Locator

__all__ = ["MapShapes"]

_SIMPLIFY_DEG = 0.00005  # ~5 m
_ROUND = 5


class MapShapes:
    """Simplified lon/lat shapes of a locator's layers, for the pages' maps."""

    def __init__(self, locator: Locator) -> None:
        self.locator = locator
        self.labels = {d.key: d.label or d.key for d in locator.profile.districts}
        self._shape = lru_cache(maxsize=4096)(self._build)

    def _layer(self, key: str):
        if key == "jurisdiction":
            return self.locator.city
        if key == "agency":
            return self.locator.neighbors
        return self.locator.district_layer(key)

    def _build(self, key: str, feature_id: str) -> dict | None:
        layer = self._layer(key)
        if layer is None:
            return None
        where = np.flatnonzero(layer.ids.astype(str) == feature_id)
        if where.size == 0:
            return None
        geom = shapely.simplify(layer.geoms[where[0]], _SIMPLIFY_DEG, preserve_topology=True)
        geom = shapely.transform(geom, lambda c: np.round(c, _ROUND))
        return json.loads(shapely.to_geojson(geom))

    def feature(self, key: str, feature_id: str, name: str, *, role: str,
                contact: str | None = None) -> dict | None:
        """One GeoJSON feature of layer ``key`` (``jurisdiction``, ``agency`` or a district
        key), or None when the layer has no such id. ``role`` tells the page how to draw it
        (``city``, ``serving``, ``district``, ``other-side``)."""
        geometry = self._shape(key, str(feature_id))
        if geometry is None:
            return None
        label = {"jurisdiction": "City", "agency": "Agency"}.get(key, self.labels.get(key, key))
        return {"type": "Feature", "geometry": geometry,
                "properties": {"layer": str(label), "name": str(name), "role": role,
                               "contact": contact}}

    def answer(self, location: dict[str, Any], *, duplicates: list[dict] | None = None) -> dict:
        """The map of a locate answer: the point, the city limit, the agency serving the
        point when it is another, each district holding it, and what lies on the other side
        of a near edge; ``duplicates`` adds points (``lon``, ``lat``, ``label``)."""
        features = []
        city = location["jurisdiction"]
        features.append(self.feature("jurisdiction", city["id"], city["name"], role="city"))
        agency = location.get("agency") or location.get("nearest_agency")
        if agency and not location["in_jurisdiction"]:
            features.append(self.feature("agency", agency["id"], agency["name"], role="serving",
                                         contact=_contact(agency)))
        for key, district in (location.get("districts") or {}).items():
            if district:
                features.append(self.feature(key, district["id"], district["name"],
                                             role="district"))
        for other in location.get("alternatives") or []:
            key = other["layer"]
            if key == "agency" and other["id"] == city["id"]:
                key = "jurisdiction"
            features.append(self.feature(key, other["id"], other["name"], role="other-side",
                                         contact=_contact(other)))
        points = [{"lon": round(float(d["lon"]), _ROUND), "lat": round(float(d["lat"]), _ROUND),
                   "label": str(d["label"])} for d in duplicates or []]
        # inside the city: street zoom (the basemap names the streets); outside: fit the point
        # and the agency serving it
        zoom = None
        if location["in_jurisdiction"]:
            zoom = 17 if location.get("near_boundary") else 16
        return {"point": [round(location["lon"], _ROUND), round(location["lat"], _ROUND)],
                "features": [f for f in features if f is not None], "points": points,
                "zoom": zoom}


def _contact(agency: dict) -> str | None:
    parts = [str(agency[k]) for k in ("phone", "url") if agency.get(k)]
    return " · ".join(parts) or None
