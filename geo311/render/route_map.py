"""An offline map of a crew route plan: one coloured line per crew, numbered stops."""

from __future__ import annotations

import html

import folium
import numpy as np

from geo311.crews.routes import RoutePlan
from geo311.render.maps import base_map, offline_html

__all__ = ["crew_sheet", "route_map"]

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


def crew_sheet(plan: RoutePlan, title: str = "Crew sheet") -> str:
    """Return a printable HTML page: one page per crew with its stops in order and ETAs."""
    pages = []
    for crew in plan.crews.itertuples(index=False):
        mine = plan.stops[plan.stops["crew"] == crew.crew].sort_values("seq")
        body = "".join(
            f"<tr><td>{int(r.seq)}</td><td>{r.eta:%H:%M}</td><td>{r.depart:%H:%M}</td>"
            f"<td>{html.escape(str(r.id))}</td><td>{html.escape(str(r.type))}</td>"
            f"<td>{html.escape(str(r.address))}</td><td>{r.lat:.5f}, {r.lon:.5f}</td>"
            f"<td class=done></td></tr>"
            for r in mine.itertuples(index=False))
        pages.append(
            f"<section><h1>{html.escape(title)}: {html.escape(str(crew.crew))}</h1>"
            f"<p>Shift {crew.start:%Y-%m-%d %H:%M} to {crew.shift_end:%H:%M}; "
            f"{int(crew.stops)} stops, {crew.distance_m / 1000:,.1f} km, back at the depot "
            f"{crew.back:%H:%M}. Travel: {html.escape(plan.model)}.</p>"
            "<table><thead><tr><th>#</th><th>ETA</th><th>Leave</th><th>Request</th>"
            "<th>Type</th><th>Address</th><th>Lat, lon</th><th>Done</th></tr></thead>"
            f"<tbody>{body}</tbody></table></section>")
    style = ("body{font:11pt sans-serif;margin:1.5cm}table{border-collapse:collapse;width:100%}"
             "th,td{border:1px solid #999;padding:3px 5px;text-align:left}"
             "td.done{width:3em}section{page-break-after:always;break-after:page}"
             "section:last-child{page-break-after:auto;break-after:auto}"
             "@page{size:A4;margin:1.2cm}@media print{body{margin:0}}")
    return (f"<!DOCTYPE html><html><head><meta charset=utf-8><title>{html.escape(title)}"
            f"</title><style>{style}</style></head><body>{''.join(pages)}</body></html>")
