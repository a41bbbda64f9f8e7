"""The address reference of a profile: address points, street centrelines and aliases.

:meth:`AddressReference.from_profile` reads the profile's ``[addresses]`` section,
normalizes every street to a key ``(predir, name, suffix, postdir)`` and keeps
compact tables: the streets, the address points of each street sorted by house
number, the centreline segments of each street with their TIGER ranges, ZIPs
and vertices (lon/lat and metric), the aliases and the street names for fuzzy
search. The tables are built once and cached on disk, keyed by the bytes of the
source files (and of the parser, which makes the street keys), the ``[addresses]``
table and :data:`CODE_VERSION`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS, Transformer

from geo311 import cache
from geo311.address.aliases import abbreviation_aliases, field_aliases, merge_aliases
from geo311.address.normalize import (
    Street,
    format_line,
    normalize_directional,
    normalize_street_name,
    normalize_suffix,
    normalize_unit,
)
from geo311.address.parse import parse
from geo311.cache import Digest, cache_file
from geo311.errors import InputError, ProfileError
from geo311.layers import text_values
from geo311.profile import Profile
from geo311.tables import read_frame, strict_numbers

__all__ = ["CENTERLINE_FIELDS", "CODE_VERSION", "AddressReference", "StreetKey", "street_key"]

#: Bump when the tables built here change shape or meaning (invalidates caches).
CODE_VERSION = "3"
#: TIGER/Line field names, the defaults of ``centerline_fields``.
CENTERLINE_FIELDS = {
    "fullname": "FULLNAME", "predir": "PREDIR", "name": "NAME", "suffix": "SUFFIX",
    "postdir": "SUFDIR", "lfromadd": "LFROMADD", "ltoadd": "LTOADD", "rfromadd": "RFROMADD",
    "rtoadd": "RTOADD", "zipl": "ZIPL", "zipr": "ZIPR", "alias": "ALIAS",
    "potential_lfromadd": "POTENTIAL_LFROMADD", "potential_ltoadd": "POTENTIAL_LTOADD",
    "potential_rfromadd": "POTENTIAL_RFROMADD", "potential_rtoadd": "POTENTIAL_RTOADD",
}  # fmt: skip
#: How far to its side of the centreline a number is placed, unless the profile says.
DEFAULT_OFFSET_M = 10.0
_RANGE_KEYS = ("lfromadd", "ltoadd", "rfromadd", "rtoadd")
_POTENTIAL_KEYS = tuple(f"potential_{k}" for k in _RANGE_KEYS)
_NUMBER = re.compile(r"^(\d+)(?:\.0+)?(?:\s*-?\s*(\d+/\d+|[A-Z]))?$")
_ZIP = re.compile(r"^(\d{5})(?:-?\d{4})?$")

#: ``(predir, name, suffix, postdir)``: a street as the tables key it.
StreetKey = tuple[str | None, str, str | None, str | None]


def street_key(predir: str, name: str, suffix: str, postdir: str) -> StreetKey | None:
    """Return the normalized key of a street given in parts ("" for a missing part).

    Unknown directionals or suffixes are kept uppercase. None when the name is empty.

    Examples
    --------
    >>> street_key("north", "Fifth", "Street", "")
    ('N', '5TH', 'ST', None)
    """
    name = normalize_street_name(name)
    if not name:
        return None
    return (
        (normalize_directional(predir) or predir.upper()) if predir else None,
        name,
        (normalize_suffix(suffix) or suffix.upper()) if suffix else None,
        (normalize_directional(postdir) or postdir.upper()) if postdir else None,
    )


def _key_of(street: Street) -> StreetKey:
    return (street.predir, street.name, street.suffix, street.postdir)


class _StreetParser:
    """Parse full street names ("N Main St") into keys, once per distinct text."""

    def __init__(self) -> None:
        self._memo: dict[str, StreetKey | None] = {}

    def __call__(self, text: str) -> StreetKey | None:
        if text not in self._memo:
            street = parse(f"1 {text}").street if text else None
            self._memo[text] = _key_of(street) if street else street_key("", text, "", "")
        return self._memo[text]


@dataclass
class AddressReference:
    """Normalized address points, centreline segments and aliases of one profile.

    Streets are numbered ``0..n-1`` (``streets[i]``). Points are sorted by street,
    house number, number suffix and unit: the points of street ``i`` are rows
    ``street_points[i]:street_points[i + 1]``, and ``number_spans[(i, number)]``
    gives the rows of one house number. Segments are sorted by street the same
    way (``street_segments``); the vertices of segment ``j`` are rows
    ``segment_vertices[j]:segment_vertices[j + 1]`` of ``vertex_lonlat`` and of
    its copy ``vertex_xy`` in ``metric_crs``. ``segment_ranges`` holds
    ``lfrom, lto, rfrom, rto`` (-1 for none; a side with no range takes its potential
    range, flagged in ``segment_potential``, per side) and ``segment_zips`` ``zipl, zipr``.
    ``centerline_offset_m`` is how far to its side of the centreline a number is placed.
    Text columns hold ``""`` where a value is missing.

    ``skipped`` lists the point rows left out, as ``(row, reason)`` with rows
    counted from 1 (the first record); ``warnings`` the centreline features and
    aliases that could not be used. ``cache_hit`` tells whether the tables came
    from the disk cache.
    """

    streets: list[Street]
    street_ids: dict[StreetKey, int]
    streets_by_name: dict[str, tuple[int, ...]]
    street_zips: list[frozenset[str]]
    names: list[str]
    aliases: dict[tuple[str, str | None], tuple[str, str | None]]
    point_street: np.ndarray
    point_number: np.ndarray
    point_number_suffix: np.ndarray
    point_unit: np.ndarray
    point_zip: np.ndarray
    point_lonlat: np.ndarray
    point_xy: np.ndarray
    point_id: np.ndarray
    street_points: np.ndarray
    number_spans: dict[tuple[int, int], tuple[int, int]]
    segment_street: np.ndarray
    segment_ranges: np.ndarray
    segment_potential: np.ndarray
    segment_zips: np.ndarray
    segment_vertices: np.ndarray
    vertex_lonlat: np.ndarray
    vertex_xy: np.ndarray
    street_segments: np.ndarray
    metric_crs: str
    skipped: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    cache_hit: bool = False
    centerline_offset_m: float = DEFAULT_OFFSET_M
    _rows_by_id: dict[str, int] | None = field(default=None, repr=False)

    @classmethod
    def from_profile(cls, profile: Profile, cache_dir: Path | None = None) -> AddressReference:
        """Return the reference of ``profile``, from the cache when its sources are unchanged.

        Parameters
        ----------
        profile : a profile with an ``[addresses]`` section.
        cache_dir : where the built tables are kept (default
            ``<profile dir>/.geo311-cache``).

        Raises
        ------
        ProfileError
            If a key is unknown or missing, a file is missing or unreadable, or a
            configured column is not in its file.
        """
        if profile.addresses is None:
            raise ProfileError(f"{profile.path}: an [addresses] section is needed",
                               file=str(profile.path))
        table = profile.addresses.as_table()
        sources = _Sources.from_table(profile, table)
        metric = profile.metric_crs.to_wkt()
        key = sources.digest(table, metric)
        path = cache_file(cache_dir or profile.root / ".geo311-cache", "addresses", profile.path)
        stored = cache.load(path, key)
        hit = isinstance(stored, dict) and set(stored) == _STORED
        if not hit:
            stored = _build(sources, table, CRS.from_wkt(metric))
            cache.save(path, key, stored)
        offset = profile.addresses.centerline_offset_m
        return cls(**_expand_stored(stored), cache_hit=hit,
                   centerline_offset_m=DEFAULT_OFFSET_M if offset is None else offset)

    def point_row(self, address_id: str) -> int | None:
        """The row of the point whose ``[addresses] id_field`` is ``address_id``, or None
        (also when the profile names no id field)."""
        if self._rows_by_id is None:
            self._rows_by_id = {v: i for i, v in enumerate(self.point_id.tolist()) if v}
        return self._rows_by_id.get(address_id.strip()) if address_id.strip() else None

    def forget_lookups(self) -> None:
        """Drop the lookups built on first use (a copy whose rows changed needs its own)."""
        self._rows_by_id = None

    def point_line(self, row: int) -> str:
        """The canonical delivery line of point ``row`` ("1234 N MAIN ST APT 5")."""
        number, suffix = int(self.point_number[row]), self.point_number_suffix[row]
        text = f"{number} {suffix}" if "/" in suffix else f"{number}{suffix}"
        return format_line(text, self.streets[int(self.point_street[row])],
                           self.point_unit[row] or None)

    def points_of(self, street: int) -> slice:
        """Rows of the points of ``street``."""
        return slice(int(self.street_points[street]), int(self.street_points[street + 1]))

    def segments_of(self, street: int) -> range:
        """Indices of the centreline segments of ``street``."""
        return range(int(self.street_segments[street]), int(self.street_segments[street + 1]))

    def segment_coords(self, segment: int, metric: bool = False) -> np.ndarray:
        """Vertices of one segment: lon/lat, or metres in ``metric_crs``."""
        rows = slice(int(self.segment_vertices[segment]), int(self.segment_vertices[segment + 1]))
        return (self.vertex_xy if metric else self.vertex_lonlat)[rows]


@dataclass(frozen=True)
class _Sources:
    """The resolved files of an ``[addresses]`` table."""

    points: Path
    centerlines: Path | None
    aliases: Path | None

    @classmethod
    def from_table(cls, profile: Profile, table: dict[str, Any]) -> _Sources:
        paths = {}
        for key in ("points", "centerlines", "aliases"):
            if key == "points" or key in table:
                path = profile.resolve_path(table.get(key), f"[addresses] {key}")
                if not path.exists():
                    raise ProfileError(f"[addresses] {key}: file not found: {path}",
                                       file=str(path), field=key)
                paths[key] = path
        return cls(paths["points"], paths.get("centerlines"), paths.get("aliases"))

    def digest(self, table: dict[str, Any], metric_crs: str) -> str:
        """SHA-256 of the code version, the table, the metric CRS and the files' bytes.

        The sources of the parser and normalizer count as files: they make the street keys.
        """
        return (Digest(CODE_VERSION, json.dumps(table, sort_keys=True, default=str), metric_crs)
                .files((self.points, self.centerlines, self.aliases))
                .sources((normalize_street_name, parse, AddressReference, merge_aliases))
                .hexdigest())


def _zip(text: str) -> str:
    """The 5-digit ZIP of ``text`` ("" if none); ZIPs read as numbers get their zeros back."""
    if text.isdigit() and len(text) < 5:
        text = text.zfill(5)
    match = _ZIP.match(text)
    return match.group(1) if match else ""


def _number(text: str) -> tuple[int, str] | None:
    """``(number, suffix)`` of a house number such as "123", "123A", "123 1/2"."""
    match = _NUMBER.match(text.upper())
    return (int(match.group(1)), match.group(2) or "") if match else None


def _read_frame(path: Path, what: str) -> tuple[pd.DataFrame, np.ndarray | None]:
    """A table's attributes and, for a spatial file, its points' lon/lat (NaN if none)."""
    if path.suffix.lower() in (".csv", ".txt"):
        try:
            frame = read_frame(path, keep_default_na=False)
        except InputError as exc:
            raise ProfileError(f"{what}: {exc.message}", file=str(path)) from None
        return frame, None
    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        raise ProfileError(f"{what}: cannot read {path}: {exc}", file=str(path)) from exc
    if not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None:
        raise ProfileError(f"{what}: {path.name} has no geometry with a CRS", file=str(path))
    return frame, _lonlat(frame)


def _lonlat(frame: gpd.GeoDataFrame) -> np.ndarray:
    geoms = frame.geometry.to_crs("EPSG:4326").to_numpy()
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    points = shapely.get_type_id(geoms) == shapely.GeometryType.POINT
    geoms = np.where(points | empty, geoms, shapely.point_on_surface(geoms))
    xy = np.full((len(geoms), 2), np.nan)
    xy[~empty] = shapely.get_coordinates(geoms[~empty])
    return xy


def _columns(frame: pd.DataFrame, path: Path, spec: dict[str, str | None],
             what: str) -> dict[str, list[str] | None]:
    """The configured columns as strings (None where not configured), checked by name."""
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    available = [c for c in frame.columns if c != geometry]
    out: dict[str, list[str] | None] = {}
    for key, column in spec.items():
        if column is None:
            out[key] = None
            continue
        if column not in frame.columns:
            raise ProfileError(
                f"{what} {key} = {column!r} is not a column of {path.name} "
                f"(columns: {', '.join(map(str, available))})",
                file=str(path), field=key,
            )
        out[key] = ["" if v is None else v for v in text_values(frame[column].to_numpy())]
    return out


def _build(sources: _Sources, table: dict[str, Any], metric_crs: CRS) -> dict[str, Any]:
    """Read every source and return the tables the cache stores (see ``_STORED``)."""
    parse_street = _StreetParser()
    points, skipped = _read_points(sources.points, table, parse_street)
    segments, warnings = (
        _read_centerlines(sources.centerlines, table.get("centerline_fields", {}), parse_street)
        if sources.centerlines else (_empty_segments(), [])
    )
    keys = sorted(set(points["key"]) | set(segments["key"]),
                  key=lambda k: (k[1], k[0] or "", k[2] or "", k[3] or ""))
    ids = {k: i for i, k in enumerate(keys)}
    by_name: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        by_name.setdefault(k[1], []).append(i)
    aliases, alias_warnings = (
        _read_aliases(sources.aliases, by_name, parse_street) if sources.aliases else ({}, [])
    )
    named = {(k[1], k[2]) for k in keys}
    aliases = merge_aliases(named, aliases, field_aliases(
        ((text, (k[1], k[2])) for text, k in zip(segments["alias"], segments["key"], strict=True)
         if text), parse_street), abbreviation_aliases(named))
    to_metric = Transformer.from_crs("EPSG:4326", metric_crs, always_xy=True)
    state = {
        "street_parts": [np.array([k[j] or "" for k in keys], dtype=object) for j in range(4)],
        "aliases": aliases,
        "metric_crs": metric_crs.to_wkt(),
        "skipped": skipped,
        "warnings": warnings + alias_warnings,
    }
    state.update(_point_tables(points, ids, to_metric))
    state.update(_segment_tables(segments, ids, to_metric))
    zips: list[set[str]] = [set() for _ in keys]
    for sid, z in zip(state["point_street"], state["point_zip"], strict=True):
        zips[sid].add(z)
    for sid, pair in zip(state["segment_street"], state["segment_zips"], strict=True):
        zips[sid].update(pair)
    state["street_zips"] = [frozenset(z - {""}) for z in zips]
    return state


#: What the cache stores of a reference: arrays and small tables; the lookups
#: (street ids, streets by name, number spans) are derived again on load.
_STORED = frozenset({
    "street_parts", "aliases", "metric_crs", "skipped", "warnings", "street_zips",
    "point_street", "point_number", "point_number_suffix", "point_unit", "point_zip",
    "point_lonlat", "point_xy", "point_id", "street_points", "segment_street", "segment_ranges",
    "segment_potential", "segment_zips", "segment_vertices", "vertex_lonlat", "vertex_xy",
    "street_segments",
})


def _expand_stored(stored: dict[str, Any]) -> dict[str, Any]:
    """The fields of :class:`AddressReference` from the stored tables."""
    state = {k: v for k, v in stored.items() if k != "street_parts"}
    keys: list[StreetKey] = [(p or None, n, s or None, d or None)
                             for p, n, s, d in zip(*stored["street_parts"], strict=True)]
    by_name: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        by_name.setdefault(k[1], []).append(i)
    sid, number = state["point_street"], state["point_number"]
    change = np.flatnonzero((np.diff(sid) != 0) | (np.diff(number) != 0)) + 1
    starts = np.concatenate([[0], change]).tolist() if sid.size else []
    stops = np.concatenate([change, [sid.size]]).tolist() if sid.size else []
    state.update(
        streets=[Street(*k) for k in keys],
        street_ids={k: i for i, k in enumerate(keys)},
        streets_by_name={name: tuple(v) for name, v in by_name.items()},
        names=sorted(by_name),
        number_spans={(s, n): (a, b) for s, n, a, b in zip(
            sid[starts].tolist(), number[starts].tolist(), starts, stops, strict=True)},
    )
    return state


def _read_points(path: Path, table: dict[str, Any],
                 parse_street: _StreetParser) -> tuple[dict[str, list], list[tuple[int, str]]]:
    """Address point records (key, number, number suffix, unit, zip, lon, lat) and skips."""
    what = "[addresses] points:"
    frame, lonlat = _read_frame(path, what)
    spatial = lonlat is not None
    if spatial and ("lon_field" in table or "lat_field" in table):
        raise ProfileError(f"{what} lon_field/lat_field apply to CSV points only; "
                           f"{path.name} has its own geometry", file=str(path))
    full = "full_address_field" in table
    given = [k for k in ("number_field", "street_field") if k in table]
    if full and given:
        raise ProfileError(f"{what} give either full_address_field or {' and '.join(given)}",
                           field="full_address_field")
    required = ["full_address_field"] if full else ["number_field", "street_field"]
    if not spatial:
        required += ["lon_field", "lat_field"]
    for key in required:
        if not table.get(key):
            raise ProfileError(f"[addresses] needs {key!r}", field=key)
    optional = ["unit_field", "zip_field", "id_field"] + (
        [] if full else ["predir_field", "suffix_field", "postdir_field"]
    )
    spec = {key: table.get(key) for key in required + optional}
    cols = _columns(frame, path, spec, what)
    if not spatial:
        lonlat = np.column_stack([
            strict_numbers(pd.Series(cols[k], dtype=object)).to_numpy(dtype=float)
            for k in ("lon_field", "lat_field")
        ]) if len(frame) else np.empty((0, 2))
    n = len(frame)
    blank = [""] * n
    unit_col, zip_col = cols["unit_field"] or blank, cols["zip_field"] or blank
    id_col = cols["id_field"] or blank
    full_street = _full_street(table)
    parts = None if full else [cols[k] or blank for k in
                               ("predir_field", "street_field", "suffix_field", "postdir_field")]
    records: dict[str, list] = {k: [] for k in
                                ("key", "number", "suffix", "unit", "zip", "lon", "lat", "id")}
    skipped: list[tuple[int, str]] = []
    for i in range(n):
        lon, lat = lonlat[i]
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):  # NaN fails too
            skipped.append((i + 1, "missing or invalid coordinates"))
            continue
        if parts is None:
            found = _from_full_address(cols["full_address_field"][i])
            if isinstance(found, str):
                skipped.append((i + 1, found))
                continue
            key, number, unit, zip_code = found
        else:
            number = _number(cols["number_field"][i])
            if number is None:
                skipped.append((i + 1, f"unparseable house number {cols['number_field'][i]!r}"))
                continue
            p, s, x, d = (c[i] for c in parts)
            key = parse_street(s) if full_street else street_key(p, s, x, d)
            if key is None:
                skipped.append((i + 1, "missing street name"))
                continue
            unit = (normalize_unit(None, unit_col[i]) or "") if unit_col[i] else ""
            zip_code = ""
        records["key"].append(key)
        records["number"].append(number[0])
        records["suffix"].append(number[1])
        records["unit"].append(unit)
        records["zip"].append(_zip(zip_col[i]) or zip_code)
        records["lon"].append(lon)
        records["lat"].append(lat)
        records["id"].append((id_col[i] or "").strip())
    return records, skipped


def _full_street(table: dict[str, Any]) -> bool:
    """Whether ``street_field`` holds the whole street (no directional or suffix columns)."""
    return not any(k in table for k in ("predir_field", "suffix_field", "postdir_field"))


def _from_full_address(text: str) -> tuple[StreetKey, tuple[int, str], str, str] | str:
    """Key, number, unit and ZIP of a one-line address, or the reason it cannot be used."""
    parsed = parse(text) if text else None
    if parsed is None or parsed.street is None or parsed.number is None:
        return f"unparseable address {text!r}"
    number = (parsed.number, (parsed.number_suffix or "").upper())
    return _key_of(parsed.street), number, parsed.unit or "", parsed.zip or ""


def _empty_segments() -> dict[str, list]:
    return {"key": [], "ranges": [], "potential": [], "zips": [], "coords": [], "alias": []}


def _side_ranges(ends: list[int], potential: list[int]) -> tuple[list[int], list[bool]]:
    """``lfrom, lto, rfrom, rto`` of a segment and, per side, whether they are its potential
    range: a side whose range is empty (-1 or 0 at both ends) takes its potential range."""
    out, used = list(ends), []
    for side in (0, 2):
        empty = max(ends[side], ends[side + 1]) <= 0
        take = empty and max(potential[side], potential[side + 1]) > 0
        if empty:
            out[side:side + 2] = potential[side:side + 2] if take else [-1, -1]
        used.append(take)
    return out, used


def _read_centerlines(path: Path, mapping: Any,
                      parse_street: _StreetParser) -> tuple[dict[str, list], list[str]]:
    """Segment records (key, ranges, zips, lon/lat vertices) and warnings."""
    what = "[addresses] centerlines:"
    if not isinstance(mapping, dict):
        raise ProfileError("[addresses] centerline_fields must be a table such as "
                           "{ name = \"NAME\" }", field="centerline_fields")
    unknown = sorted(set(mapping) - set(CENTERLINE_FIELDS))
    if unknown:
        raise ProfileError(
            f"unknown key(s) {', '.join(unknown)} in [addresses] centerline_fields "
            f"(known: {', '.join(CENTERLINE_FIELDS)})", field=unknown[0],
        )
    frame, _ = _read_frame(path, what)
    names = {**CENTERLINE_FIELDS, **mapping}
    # Default TIGER fields may be absent, except the ranges and a name; given ones may not.
    needed = set(mapping) | set(_RANGE_KEYS) | {"name" if names["name"] in frame else "fullname"}
    spec = {k: c if (k in needed or c in frame.columns) else None for k, c in names.items()}
    cols = _columns(frame, path, spec, f"{what} centerline_fields")
    n = len(frame)
    blank = [""] * n
    geoms = frame.geometry.to_crs("EPSG:4326").to_numpy()
    records, warnings = _empty_segments(), []
    for i in range(n):
        line = _single_line(geoms[i])
        if line is None:
            warnings.append(f"centerline feature {i + 1}: no line geometry")
            continue
        if cols["name"] is not None:
            key = street_key(*((cols[k] or blank)[i] for k in ("predir", "name", "suffix",
                                                                "postdir")))
        else:
            key = parse_street(cols["fullname"][i])
        if key is None:
            warnings.append(f"centerline feature {i + 1}: no street name")
            continue
        ends = [_range_end((cols[k] or blank)[i]) for k in _RANGE_KEYS + _POTENTIAL_KEYS]
        ranges, potential = _side_ranges(ends[:4], ends[4:])
        records["key"].append(key)
        records["ranges"].append(ranges)
        records["potential"].append(potential)
        records["alias"].append((cols["alias"] or blank)[i].strip())
        records["zips"].append([_zip((cols[k] or blank)[i]) for k in ("zipl", "zipr")])
        records["coords"].append(shapely.get_coordinates(line))
    return records, warnings


def _range_end(text: str) -> int:
    """A range end as a number, -1 where there is none."""
    number = _number(text)
    return number[0] if number else -1


def _single_line(geom: shapely.Geometry | None) -> shapely.LineString | None:
    """The line of a feature; a multi-part line is merged, else its longest part is kept."""
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type == "MultiLineString":
        geom = shapely.line_merge(geom)
        if geom.geom_type == "MultiLineString":
            geom = max(geom.geoms, key=lambda g: g.length)
    return geom if geom.geom_type == "LineString" else None


def _read_aliases(
    path: Path, by_name: dict[str, list[int]], parse_street: _StreetParser
) -> tuple[dict[tuple[str, str | None], tuple[str, str | None]], list[str]]:
    """``(name, suffix)`` of each alias -> ``(name, suffix)`` of its street, and warnings."""
    frame, _ = _read_frame(path, "[addresses] aliases:")
    cols = _columns(frame, path, {"alias": "alias", "street": "street"}, "[addresses] aliases:")
    aliases, warnings = {}, []
    for i, (alias, street) in enumerate(zip(cols["alias"], cols["street"], strict=True)):
        source, target = parse_street(alias), parse_street(street)
        if source is None or target is None or target[1] not in by_name:
            warnings.append(f"alias row {i + 1}: {alias!r} -> {street!r} names no known street")
            continue
        aliases[(source[1], source[2])] = (target[1], target[2])
    return aliases, warnings


def _point_tables(points: dict[str, list], ids: dict[StreetKey, int],
                  to_metric: Transformer) -> dict[str, Any]:
    sid = np.array([ids[k] for k in points["key"]], dtype=np.int32)
    number = np.array(points["number"], dtype=np.int64)
    suffix = np.array(points["suffix"], dtype=object)
    unit = np.array(points["unit"], dtype=object)
    order = np.lexsort((unit.astype(str), suffix.astype(str), number, sid))
    sid, number, suffix, unit = sid[order], number[order], suffix[order], unit[order]
    lonlat = np.column_stack([points["lon"], points["lat"]]).reshape(-1, 2)[order]
    xy = np.column_stack(to_metric.transform(lonlat[:, 0], lonlat[:, 1]))
    return {
        "point_street": sid,
        "point_number": number,
        "point_number_suffix": suffix,
        "point_unit": unit,
        "point_zip": np.array(points["zip"], dtype=object)[order],
        "point_lonlat": lonlat,
        "point_xy": xy,
        "point_id": np.array(points["id"], dtype=object)[order],
        "street_points": np.searchsorted(sid, np.arange(len(ids) + 1)),
    }


def _segment_tables(segments: dict[str, list], ids: dict[StreetKey, int],
                    to_metric: Transformer) -> dict[str, Any]:
    sid = np.array([ids[k] for k in segments["key"]], dtype=np.int32)
    order = np.argsort(sid, kind="stable")
    coords = [segments["coords"][i] for i in order]
    sizes = np.array([len(c) for c in coords], dtype=np.int64)
    lonlat = np.vstack(coords) if coords else np.empty((0, 2))
    xy = np.column_stack(to_metric.transform(lonlat[:, 0], lonlat[:, 1])).reshape(-1, 2)
    return {
        "segment_street": sid[order],
        "segment_ranges": np.array(segments["ranges"], dtype=np.int64).reshape(-1, 4)[order],
        "segment_potential": np.array(segments["potential"], dtype=bool).reshape(-1, 2)[order],
        "segment_zips": np.array(segments["zips"], dtype=object).reshape(-1, 2)[order],
        "segment_vertices": np.concatenate([[0], np.cumsum(sizes)]),
        "vertex_lonlat": lonlat,
        "vertex_xy": xy,
        "street_segments": np.searchsorted(sid[order], np.arange(len(ids) + 1)),
    }
