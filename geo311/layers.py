"""Read polygon layers from any OGR format and CRS into clean EPSG:4326 geometry.

A layer read here has polygonal, valid geometry in lon/lat. Invalid geometries
are repaired with :func:`shapely.make_valid` and every repair is reported; a
missing file, an unknown field, an empty layer or a layer without a CRS raises
:class:`~geo311.errors.ProfileError` naming the file and the field.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from geo311.errors import ProfileError

__all__ = ["Repair", "Layer", "read_layer", "text_values"]

WGS84 = "EPSG:4326"
_MAX_COORDINATE = 1e9  # beyond any CRS's coordinates, even in feet


@dataclass(frozen=True)
class Repair:
    """One change made to a feature while reading a layer."""

    feature: int
    id: str
    reason: str
    action: str


@dataclass
class Layer:
    """A polygon layer in EPSG:4326 with one id and name per feature.

    ``geoms`` holds (Multi)Polygons; ``attrs`` any extra text columns that were
    asked for (phones, URLs), as arrays of ``str`` or ``None``.
    """

    path: Path
    source_crs: str
    ids: np.ndarray
    names: np.ndarray
    geoms: np.ndarray
    attrs: dict[str, np.ndarray]
    repairs: list[Repair]

    def __len__(self) -> int:
        return len(self.geoms)


def text_values(values: np.ndarray) -> np.ndarray:
    """Return values as an object array of trimmed strings (``None`` for missing)."""
    out = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            out[i] = None
        elif isinstance(value, float) and value.is_integer():
            out[i] = str(int(value))
        else:
            text = str(value).strip()
            out[i] = text or None
    return out


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Return the polygonal part of a geometry (make_valid may add lines or points)."""
    if isinstance(geom, (shapely.Polygon, shapely.MultiPolygon)):
        return geom
    parts = [g for g in shapely.get_parts(geom) if isinstance(g, shapely.Polygon)]
    return shapely.MultiPolygon(parts) if len(parts) > 1 else (parts[0] if parts else None)


def _check_coordinates(geoms: np.ndarray, path: Path, what: str, when: str) -> None:
    """Refuse coordinates that are not numbers, infinite or beyond any CRS (|v| > 1e9)."""
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    bad = ~np.isfinite(coords).all(axis=1)
    bad[~bad] = (np.abs(coords[~bad]) > _MAX_COORDINATE).any(axis=1)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ProfileError(
            f"{what}: {path.name} has {int(bad.sum())} unusable coordinate(s) {when} "
            f"(NaN, infinite or beyond 1e9; first {tuple(coords[first].tolist())} "
            f"in feature {int(index[first])})", file=str(path))


def read_layer(
    path: str | Path,
    *,
    id_field: str | None,
    name_field: str | None = None,
    attr_fields: dict[str, str | None] | None = None,
    where: dict[str, list] | None = None,
    layer_name: str | None = None,
    what: str = "layer",
) -> Layer:
    """Return the polygon layer at ``path`` in EPSG:4326, repaired and reported.

    Parameters
    ----------
    path : path to a GeoJSON, Shapefile, GeoPackage or any OGR-readable file.
    id_field : column with the feature id; ``None`` numbers features from 1.
    name_field : column with the display name (defaults to the id).
    attr_fields : extra columns to keep, as ``{attribute: column or None}``.
    where : keep only features whose column value is in the given list.
    layer_name : layer inside a multi-layer file (GeoPackage).
    what : how error messages name this layer, e.g. ``"[[districts]] ward"``.

    Raises
    ------
    ProfileError
        If the file is missing or unreadable, a field is unknown, the layer is
        empty (after ``where``), has no CRS, or holds non-polygon geometry.
    """
    path = Path(path)
    if not path.exists():
        raise ProfileError(f"{what}: file not found: {path}", file=str(path))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # unclosed rings, NaN: below
            frame = gpd.read_file(path, layer=layer_name, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError,
            shapely.errors.GEOSException) as exc:
        raise ProfileError(f"{what}: cannot read {path}: {exc}", file=str(path)) from exc

    wanted = {"id_field": id_field, "name_field": name_field, "where": None}
    wanted.update({f"{key}_field": col for key, col in (attr_fields or {}).items()})
    for column in list((where or {}).keys()):
        wanted[f"where.{column}"] = column
    available = [c for c in frame.columns if c != frame.geometry.name]
    for key, column in wanted.items():
        if column is not None and column not in frame.columns:
            raise ProfileError(
                f"{what}: {key} = {column!r} is not a field of {path.name} "
                f"(fields: {', '.join(available)})",
                file=str(path),
                field=key,
            )
    if frame.crs is None:
        raise ProfileError(
            f"{what}: {path.name} has no CRS; add a .prj / CRS to the file", file=str(path)
        )
    for column, allowed in (where or {}).items():
        allowed = allowed if isinstance(allowed, list) else [allowed]
        frame = frame[frame[column].isin(allowed)]
    if frame.empty:
        condition = f" matching where = {where}" if where else ""
        raise ProfileError(f"{what}: {path.name} has no features{condition}", file=str(path))

    source_crs = frame.crs.to_string()
    _check_coordinates(frame.geometry.to_numpy(), path, what, "in the file")
    frame = frame.to_crs(WGS84)
    _check_coordinates(frame.geometry.to_numpy(), path, what,
                       f"after reprojection from {source_crs}")
    n = len(frame)
    ids = text_values(frame[id_field].to_numpy()) if id_field else np.array(
        [str(i + 1) for i in range(n)], dtype=object
    )
    names = text_values(frame[name_field].to_numpy()) if name_field else ids.copy()
    names = np.where(names == None, ids, names)  # noqa: E711 - elementwise
    attrs = {key: text_values(frame[col].to_numpy()) if col else np.full(n, None, dtype=object)
             for key, col in (attr_fields or {}).items()}

    geoms = frame.geometry.to_numpy().copy()
    repairs: list[Repair] = []
    keep = np.ones(n, dtype=bool)
    for i, geom in enumerate(geoms):
        if geom is None or geom.is_empty:
            repairs.append(Repair(i, ids[i], "empty geometry", "dropped"))
            keep[i] = False
            continue
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise ProfileError(
                f"{what}: feature {i} ({ids[i]}) of {path.name} is a {geom.geom_type}; "
                "a polygon layer is needed",
                file=str(path),
            )
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            fixed = _polygonal(shapely.make_valid(geom))
            if fixed is None or fixed.is_empty:
                repairs.append(Repair(i, ids[i], reason, "dropped: nothing polygonal left"))
                keep[i] = False
                continue
            geoms[i] = fixed
            repairs.append(Repair(i, ids[i], reason, "make_valid"))
    if not keep.any():
        raise ProfileError(f"{what}: {path.name} has no usable polygons", file=str(path))
    missing_ids = [i for i in range(n) if keep[i] and ids[i] is None]
    if missing_ids:
        raise ProfileError(
            f"{what}: {len(missing_ids)} feature(s) of {path.name} have an empty "
            f"{id_field!r} (first: feature {missing_ids[0]})",
            file=str(path),
            field="id_field",
        )
    return Layer(
        path=path,
        source_crs=source_crs,
        ids=ids[keep],
        names=names[keep],
        geoms=geoms[keep],
        attrs={key: values[keep] for key, values in attrs.items()},
        repairs=repairs,
    )
