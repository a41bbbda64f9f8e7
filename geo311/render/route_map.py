"""An offline map of a crew route plan: one coloured line per crew, numbered stops."""

from __future__ import annotations

import html

import folium
import numpy as np

from geo311.crews.routes import RoutePlan
from geo311.render.maps import base_map, offline_html

__all__ = ["route_map"]

_COLORS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d",
           "#666666"]


def route_map(plan: RoutePlan, title: str = "Crew routes") -> str:
    """Return a self-contained HTML page of ``plan``: routes, numbered stops, left-out stops."""
    points = [c for c in plan.legs.values() if len(c)]
    points.append(plan.stops[["lon", "lat"]].to_numpy(float).reshape(-1, 2))
    xy = np.concatenate(points) if points else np.zeros((1, 2))
    m = base_map((xy[:, 0].min(), xy[:, 1].min(), xy[:, 0].max(), xy[:, 1].max()))
    m.get_root().header.add_child(folium.Element(f"<title>{html.escape(title)}</title>"))
    for k, (crew, coords) in enumerate(plan.legs.items()):
        color = _COLORS[k % len(_COLORS)]
        layer = folium.FeatureGroup(name=f"crew {html.escape(str(crew))}")
        if len(coords) >= 2:
            folium.PolyLine([(lat, lon) for lon, lat in coords], color=color, weight=4,
                            opacity=0.8).add_to(layer)
        for row in plan.stops[plan.stops["crew"] == crew].itertuples(index=False):
            label = (f"<b>{int(row.seq)}</b> {html.escape(str(row.id))}<br>"
                     f"{html.escape(str(row.type))}<br>ETA {row.eta:%H:%M}")
            # a tooltip, not a folium Popup: its HTML popups need jQuery, left out offline
            folium.Marker(
                (row.lat, row.lon), tooltip=folium.Tooltip(label),
                icon=folium.DivIcon(html=(
                    f'<div style="background:{color};color:#fff;border-radius:9px;'
                    f'width:18px;height:18px;text-align:center;font:11px sans-serif;'
                    f'line-height:18px">{int(row.seq)}</div>'))).add_to(layer)
        layer.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return offline_html(m)

