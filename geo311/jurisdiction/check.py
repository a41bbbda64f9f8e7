"""Quality check of a profile's layers: coverage, gaps, overlaps, repairs.

:func:`check_profile` measures every layer of a :class:`~geo311.profile.Profile`
in its metric CRS and returns a JSON-ready summary; :func:`format_check` renders
that summary for a terminal. Overlaps and gaps of at most ``min_area_m2`` are
floating-point slivers of shared edges: they are counted, not listed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

from geo311.layers import Layer
from geo311.profile import Profile

__all__ = ["check_profile", "format_check"]

_LARGEST = 5  # neighbor overlap pairs kept in the summary
_SHOWN = 10  # overlap pairs shown per layer by format_check


def _lonlat(layer: Layer) -> bool:
    """Whether the layer's coordinates lie in the lon/lat range (else it cannot be measured)."""
    minx, miny, maxx, maxy = shapely.total_bounds(layer.geoms)
    return -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


def _to_metric(geoms: np.ndarray, transformer: Transformer) -> np.ndarray:
    """Return EPSG:4326 geometries reprojected with ``transformer`` (invalid ones repaired)."""
    out = shapely.transform(geoms, transformer.transform, interleaved=False)
    invalid = ~shapely.is_valid(out)
    out[invalid] = shapely.make_valid(out[invalid])
    return out


def _layer_info(key: str, label: str, kind: str, layer: Layer) -> dict[str, Any]:
    return {
        "key": key,
        "label": label,
        "kind": kind,
        "path": str(layer.path),
        "source_crs": layer.source_crs,
        "features": len(layer),
        "repairs": [
            {"feature": r.feature, "id": r.id, "reason": r.reason, "action": r.action}
            for r in layer.repairs
        ],
    }


def _overlaps(layer: Layer, geoms: np.ndarray, min_area_m2: float) -> dict[str, Any]:
    """Return the overlapping pairs of features (largest first) and the sliver count."""
    ids, names = layer.ids, layer.names
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    areas = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    big = areas > min_area_m2
    order = np.argsort(-areas[big], kind="stable")
    pairs = [
        {"a": str(ids[i]), "b": str(ids[j]), "a_name": str(names[i]), "b_name": str(names[j]),
         "area_m2": float(area)}
        for i, j, area in zip(left[big][order], right[big][order], areas[big][order],
                              strict=True)
    ]
    return {
        "count": len(pairs),
        "area_m2": float(areas[big].sum()),
        "sliver_pairs": int(((areas > 0) & ~big).sum()),
        "pairs": pairs,
    }


def _coverage(
    geoms: np.ndarray, city: shapely.Geometry, city_area_m2: float, min_area_m2: float
) -> dict[str, Any]:
    """Return how much of the city a layer covers, its gaps and its area outside the city."""
    union = shapely.union_all(geoms)
    gap = shapely.difference(city, union)
    gap_areas = shapely.area(shapely.get_parts(gap))
    return {
        "coverage": float(shapely.area(shapely.intersection(union, city)) / city_area_m2),
        "gaps": {
            "area_m2": float(gap_areas.sum()),
            "share": float(gap_areas.sum() / city_area_m2),
            "polygons": int((gap_areas > min_area_m2).sum()),
            "sliver_polygons": int(((gap_areas > 0) & (gap_areas <= min_area_m2)).sum()),
        },
        "outside_m2": float(shapely.area(shapely.difference(union, city))),
    }


def check_profile(
    profile: Profile, *, min_area_m2: float = 1.0, near_m: float = 100.0
) -> dict[str, Any]:
    """Return a JSON-ready summary of a profile's layers and their quality.

    Parameters
    ----------
    profile : Profile
        A loaded profile; areas are measured in ``profile.metric_crs``.
    min_area_m2 : float
        Overlaps and gap polygons of at most this area are slivers: counted only.
    near_m : float
        A neighbor within this distance of the city counts as adjoining it.

    Returns
    -------
    dict
        ``jurisdiction``: id, name, phone, url, ``area_km2``, ``path``,
        ``source_crs``, ``features``, ``parts``, ``holes``, ``has_holes``.
        ``layers``: one dict per layer (the boundary, the neighbors, each
        district layer) with ``key``, ``label``, ``kind`` (``"jurisdiction"``,
        ``"neighbors"`` or ``"district"``), ``path``, ``source_crs``,
        ``features`` and ``repairs`` (``feature``, ``id``, ``reason``,
        ``action``). District layers add ``overlaps`` (``count``, ``area_m2``,
        ``sliver_pairs``, ``pairs`` of ids ``a``, ``b``, names ``a_name``,
        ``b_name`` and ``area_m2``), ``coverage`` (share of the city's area, 0
        to 1), ``gaps`` (``area_m2``, ``share``, ``polygons``,
        ``sliver_polygons``) and ``outside_m2``. ``problems``: what makes the
        profile unusable for locating (:attr:`Profile.problems`); a layer whose
        coordinates are not lon/lat has no measures (overlaps, coverage). The neighbors
        layer adds ``near_city``, ``with_phone``, ``with_url``, ``overlaps``
        (``pairs`` keeps the largest few) and ``warnings``.

    Notes
    -----
    Candidate overlap pairs come from an STRtree; only those pairs are intersected.
    """
    transformer = Transformer.from_crs("EPSG:4326", profile.metric_crs, always_xy=True)
    city = _to_metric(np.array([profile.boundary]), transformer)[0]
    shapely.prepare(city)
    city_area = float(city.area)
    parts = shapely.get_parts(city)
    holes = int(shapely.get_num_interior_rings(parts).sum())
    boundary = profile.boundary_layer
    summary: dict[str, Any] = {
        "profile": str(profile.path),
        "metric_crs": profile.metric_crs.to_string(),
        "min_area_m2": min_area_m2,
        "jurisdiction": {
            **profile.jurisdiction.as_dict(),
            "area_km2": city_area / 1e6,
            "path": str(boundary.path),
            "source_crs": boundary.source_crs,
            "features": len(boundary),
            "parts": len(parts),
            "holes": holes,
            "has_holes": holes > 0,
        },
        "layers": [_layer_info("jurisdiction", "Jurisdiction boundary", "jurisdiction",
                               boundary)],
        "problems": list(profile.problems),
    }
    if profile.neighbor_layer is not None:
        layer = profile.neighbor_layer
        measured: dict[str, Any] = {"near_city": 0}
        if _lonlat(layer):  # else it cannot be measured; profile.problems says why
            geoms = _to_metric(layer.geoms, transformer)
            near = shapely.STRtree(geoms).query(city, predicate="dwithin", distance=near_m)
            overlaps = _overlaps(layer, geoms, min_area_m2)
            overlaps["pairs"] = overlaps["pairs"][:_LARGEST]
            measured = {"near_city": len(near), "overlaps": overlaps}
        summary["layers"].append({
            **_layer_info("neighbors", "Neighbors", "neighbors", layer),
            "near_m": near_m,
            "with_phone": sum(a.phone is not None for a in profile.neighbors),
            "with_url": sum(a.url is not None for a in profile.neighbors),
            **measured,
            "warnings": list(profile.warnings),
        })
    for district in profile.districts:
        info = _layer_info(district.key, district.label, "district", district.layer)
        if not _lonlat(district.layer):  # cannot be measured; profile.problems says why
            summary["layers"].append(info)
            continue
        geoms = _to_metric(district.layer.geoms, transformer)
        summary["layers"].append({
            **info,
            "overlaps": _overlaps(district.layer, geoms, min_area_m2),
            **_coverage(geoms, city, city_area, min_area_m2),
        })
    return summary


def _table(rows: list[list[str]], align: str) -> list[str]:
    """Return rows as lines of columns aligned by ``align`` ("<" left, ">" right, per column)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(align))]
    return [
        "  ".join(
            cell.ljust(width) if side == "<" else cell.rjust(width)
            for cell, width, side in zip(row, widths, align, strict=True)
        ).rstrip()
        for row in rows
    ]


def _feature(feature_id: str, name: str) -> str:
    return feature_id if name == feature_id else f"{feature_id} {name}"


def _pct(share: float) -> str:
    return f"{100 * share:.2f}%"


def format_check(summary: dict[str, Any]) -> str:
    """Return the summary of :func:`check_profile` as readable text for a terminal."""
    j = summary["jurisdiction"]
    lines = [
        f"{j['name']} ({j['id']})  phone {j['phone'] or '-'}  {j['url'] or ''}".rstrip(),
        f"  area {j['area_km2']:,.1f} km² in {summary['metric_crs']}; {j['features']} "
        f"feature(s), {j['parts']} part(s), {j['holes']} hole(s) (enclaves)",
        "",
    ]
    rows = [["layer", "features", "source CRS", "coverage", "gaps m²", "gap polygons",
             "overlaps", "slivers", "outside m²", "repairs"]]
    for layer in summary["layers"]:
        overlaps = layer.get("overlaps")
        gaps = layer.get("gaps")
        rows.append([
            layer["key"],
            str(layer["features"]),
            layer["source_crs"],
            _pct(layer["coverage"]) if "coverage" in layer else "-",
            f"{gaps['area_m2']:,.0f}" if gaps else "-",
            str(gaps["polygons"]) if gaps else "-",
            str(overlaps["count"]) if overlaps else "-",
            str(overlaps["sliver_pairs"]) if overlaps else "-",
            f"{layer['outside_m2']:,.0f}" if "outside_m2" in layer else "-",
            str(len(layer["repairs"])),
        ])
    lines += _table(rows, "<>>>>>>>>>")
    for layer in summary["layers"]:
        lines += ["", f"{layer['key']} ({layer['label']}): {layer['path']}"]
        if layer["kind"] == "neighbors":
            lines.append(
                f"  {layer['near_city']} within {layer['near_m']:g} m of the city; "
                f"{layer['with_phone']} with a phone, {layer['with_url']} with a URL"
            )
            lines += [f"  warning: {w}" for w in layer["warnings"]]
        overlaps = layer.get("overlaps")
        if overlaps and overlaps["count"]:
            pairs = overlaps["pairs"][:_SHOWN]
            lines.append(f"  {overlaps['count']} overlap(s), {overlaps['area_m2']:,.0f} m² in "
                         f"all; largest {len(pairs)}:")
            lines += _table([["  ", _feature(p["a"], p["a_name"]), _feature(p["b"], p["b_name"]),
                              f"{p['area_m2']:,.0f} m²"] for p in pairs], "<<<>")
        if layer["repairs"]:
            lines.append("  repairs:")
            lines += _table([["  ", r["id"], r["action"], r["reason"]]
                             for r in layer["repairs"]], "<<<<")
    if summary["problems"]:
        lines += ["", f"{len(summary['problems'])} problem(s): this profile cannot be used "
                      "to locate until they are fixed"]
        lines += [f"  error: {p}" for p in summary["problems"]]
    return "\n".join(lines)
