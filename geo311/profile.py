"""Jurisdiction profiles: a directory with a ``profile.toml`` and its layers.

:func:`load_profile` reads the TOML, resolves paths relative to the file
(``${VAR}`` and ``~`` are expanded), reads every layer into EPSG:4326 through
:func:`geo311.layers.read_layer` and returns a :class:`Profile`. The other
sections it knows become typed settings (:class:`LocateSettings`,
:class:`AddressSettings`, :class:`ServiceSettings`, :class:`RequestSettings`);
their file paths stay as written and are resolved by :meth:`Profile.resolve_path`,
the one resolver of every section. Every value is type-checked; errors name the
file, the section and the key.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo311.errors import InputError, ProfileError
from geo311.layers import Layer, Repair, read_layer
from geo311.tables import open_table

__all__ = ["AddressSettings", "Agency", "DistrictLayer", "LocateSettings", "MapSettings",
           "Profile", "RequestSettings", "ServiceSettings", "check_tile_url", "load_profile"]

_SECTION_KEYS = {
    "jurisdiction": {"id", "name", "boundary", "phone", "url", "metric_crs", "layer_name"},
    "neighbors": {
        "layer", "id_field", "name_field", "phone_field", "url_field", "where", "contacts",
        "layer_name",
    },
    "districts": {"key", "label", "layer", "id_field", "name_field", "layer_name",
                  "population_field"},
}
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_VAR_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}")
#: Bounds of the [locate] settings: beyond them the grid or the band is meaningless
#: or would not fit in memory.
MAX_NEAR_BOUNDARY_M = 5_000.0
GRID_CELL_M = (0.5, 10_000.0)
MAX_GRID_CELLS = 1 << 27


def _where(section: str, key: str, file: Path | None) -> str:
    return f"{file}: [{section}] {key}" if file else f"[{section}] {key}"


def _text(value: Any, section: str, key: str, file: Path | None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ProfileError(f"{_where(section, key, file)} = {value!r}: must be a non-empty "
                           "text", file=str(file), section=section, field=key)
    return value


def _number(value: Any, section: str, key: str, file: Path | None, low: float,
            high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            low <= value <= high):  # NaN fails too
        raise ProfileError(f"{_where(section, key, file)} = {value!r}: must be a number "
                           f"from {low:g} to {high:g}", file=str(file), section=section,
                           field=key)
    return float(value)


def _check_table(table: Any, section: str, known: Iterable[str], file: Path | None,
                 required: Iterable[str] = ()) -> dict[str, Any]:
    """The table of ``section`` with its keys checked: a table, no unknown keys, texts."""
    if not isinstance(table, dict):
        raise ProfileError(f"{file}: [{section}] must be a table, not {table!r}",
                           file=str(file), section=section)
    known = sorted(known)
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise ProfileError(f"{file}: unknown key(s) {', '.join(unknown)} in [{section}] "
                           f"(known: {', '.join(known)})", file=str(file), section=section,
                           field=unknown[0])
    for key in required:
        if key not in table:
            raise ProfileError(f"{file}: [{section}] needs {key!r}", file=str(file),
                               section=section, field=key)
    return table


def _texts(table: dict[str, Any], section: str, file: Path | None,
           skip: Iterable[str] = ()) -> dict[str, str]:
    return {k: _text(v, section, k, file) for k, v in table.items() if k not in skip}


@dataclass(frozen=True)
class LocateSettings:
    """``[locate]``: the engine's near-boundary band, grid and memory limit."""

    near_boundary_m: float = 30.0
    grid_cell_m: float = 10.0
    grid_max_cells: int = 16_777_216
    max_memory_mb: float = 2048.0

    @classmethod
    def from_table(cls, table: Any, file: Path | None = None) -> LocateSettings:
        """Check ``[locate]`` (types and bounds) and return its settings."""
        table = _check_table(table, "locate", [f.name for f in fields(cls)], file)
        values = {
            "near_boundary_m": (0.0, MAX_NEAR_BOUNDARY_M),
            "grid_cell_m": GRID_CELL_M,
            "grid_max_cells": (1, MAX_GRID_CELLS),
            "max_memory_mb": (1.0, 1_048_576.0),
        }
        out = {k: _number(table[k], "locate", k, file, *values[k]) for k in table}
        if "grid_max_cells" in out:
            if not float(out["grid_max_cells"]).is_integer():
                raise ProfileError(f"{_where('locate', 'grid_max_cells', file)} = "
                                   f"{table['grid_max_cells']!r}: must be a whole number",
                                   file=str(file), section="locate", field="grid_max_cells")
            out["grid_max_cells"] = int(out["grid_max_cells"])
        return cls(**out)


@dataclass(frozen=True)
class AddressSettings:
    """``[addresses]``: the address reference (file paths as written, see
    :meth:`Profile.resolve_path`)."""

    points: str
    number_field: str | None = None
    predir_field: str | None = None
    street_field: str | None = None
    suffix_field: str | None = None
    postdir_field: str | None = None
    unit_field: str | None = None
    zip_field: str | None = None
    lon_field: str | None = None
    lat_field: str | None = None
    id_field: str | None = None
    full_address_field: str | None = None
    centerlines: str | None = None
    centerline_fields: Mapping[str, str] | None = None
    centerline_offset_m: float | None = None
    aliases: str | None = None

    @classmethod
    def from_table(cls, table: Any, file: Path | None = None) -> AddressSettings:
        """Check ``[addresses]`` (keys and types) and return its settings."""
        table = _check_table(table, "addresses", [f.name for f in fields(cls)], file,
                             required=["points"])
        out: dict[str, Any] = _texts(table, "addresses", file,
                                     skip=["centerline_fields", "centerline_offset_m"])
        if "centerline_offset_m" in table:
            out["centerline_offset_m"] = _number(table["centerline_offset_m"], "addresses",
                                                 "centerline_offset_m", file, 0.0, 100.0)
        if "centerline_fields" in table:
            mapping = table["centerline_fields"]
            if not isinstance(mapping, dict):
                raise ProfileError(f"{_where('addresses', 'centerline_fields', file)} must "
                                   "be a table such as { name = \"NAME\" }", file=str(file),
                                   section="addresses", field="centerline_fields")
            out["centerline_fields"] = MappingProxyType(
                {k: _text(v, "addresses", f"centerline_fields.{k}", file)
                 for k, v in mapping.items()})
        return cls(**out)

    def as_table(self) -> dict[str, Any]:
        """The keys that are set, as the TOML table had them."""
        return {f.name: dict(v) if isinstance(v, Mapping) else v
                for f in fields(self) if (v := getattr(self, f.name)) is not None}


@dataclass(frozen=True)
class ServiceSettings:
    """``[services]``: the service catalog, the staffing table (CSV paths) and the service
    definitions (a JSON file of Open311 attributes per service code)."""

    catalog: str | None = None
    staffing: str | None = None
    definitions: str | None = None

    @classmethod
    def from_table(cls, table: Any, file: Path | None = None) -> ServiceSettings:
        """Check ``[services]`` and return its settings."""
        table = _check_table(table, "services", [f.name for f in fields(cls)], file)
        return cls(**_texts(table, "services", file))


@dataclass(frozen=True)
class RequestSettings:
    """``[requests]``: the request export and its columns (a preset and overrides)."""

    file: str | None = None
    preset: str | None = None
    id_field: str | None = None
    type_field: str | None = None
    time_field: str | None = None
    closed_field: str | None = None
    status_field: str | None = None
    address_field: str | None = None
    district_field: str | None = None
    lon_field: str | None = None
    lat_field: str | None = None
    date_format: str | None = None

    @classmethod
    def from_table(cls, table: Any, file: Path | None = None) -> RequestSettings:
        """Check ``[requests]`` and return its settings."""
        table = _check_table(table, "requests", [f.name for f in fields(cls)], file)
        return cls(**_texts(table, "requests", file))


@dataclass(frozen=True)
class RoutingSettings:
    """``[routing]``: the street graph crews travel on, and the travel assumptions.

    ``streets`` (default: ``[addresses] centerlines``) is a line layer; ``oneway_field``
    holds 1 (one-way along the digitized direction), -1 (against it) or anything else
    (two-way). Without streets, travel is the metric distance times ``detour_factor``.
    """

    streets: str | None = None
    layer_name: str | None = None
    oneway_field: str | None = None
    speed_kmh: float = 25.0
    detour_factor: float = 1.4
    max_snap_m: float = 250.0
    service_minutes: float = 15.0

    @classmethod
    def from_table(cls, table: Any, file: Path | None = None) -> RoutingSettings:
        """Check ``[routing]`` (types and bounds) and return its settings."""
        table = _check_table(table, "routing", [f.name for f in fields(cls)], file)
        bounds = {"speed_kmh": (1.0, 200.0), "detour_factor": (1.0, 10.0),
                  "max_snap_m": (0.0, 100_000.0), "service_minutes": (0.0, 1440.0)}
        out: dict[str, Any] = {k: _number(v, "routing", k, file, *bounds[k])
                               for k, v in table.items() if k in bounds}
        out.update(_texts({k: v for k, v in table.items() if k not in bounds}, "routing", file))
        return cls(**out)


_TILE_URL = re.compile(r"^https?://[^/\s?#]+/\S*$")


def check_tile_url(url: str, where: str = "--tiles") -> str:
    """``url`` if it is a tile URL template (http(s), with ``{z}``, ``{x}`` and ``{y}``).

    Raises
    ------
    ProfileError
        Otherwise, naming ``where``.
    """
    if not isinstance(url, str) or not _TILE_URL.match(url) or not all(
            part in url for part in ("{z}", "{x}", "{y}")):
        raise ProfileError(f"{where} = {url!r}: give a tile URL template such as "
                           "https://tile.example.org/{z}/{x}/{y}.png", field="tiles")
    return url


@dataclass(frozen=True)
class MapSettings:
    """``[maps]``: what the maps draw besides the profile's layers.

    ``tiles`` is an online tile URL template (``https://…/{z}/{x}/{y}.png``; ``{s}`` for
    subdomains) with its ``tiles_attribution``: without it (the default) maps fetch nothing.
    ``water`` is a layer of water (polygons or lines: rivers, canals, lakes) drawn under the
    streets of the offline basemap; ``water_name_field`` names its features.
    """

    tiles: str | None = None
    tiles_attribution: str | None = None
    water: str | None = None
    water_name_field: str | None = None

    @classmethod
    def from_table(cls, table: Any, file: Path | None = None) -> MapSettings:
        """Check ``[maps]`` and return its settings."""
        table = _check_table(table, "maps", [f.name for f in fields(cls)], file)
        out = _texts(table, "maps", file)
        if "tiles" in out:
            check_tile_url(out["tiles"], _where("maps", "tiles", file))
        return cls(**out)


_SECTIONS = {"locate": LocateSettings, "addresses": AddressSettings,
             "services": ServiceSettings, "requests": RequestSettings,
             "routing": RoutingSettings, "maps": MapSettings}


@dataclass(frozen=True)
class Agency:
    """An agency that serves places: the city itself or a neighbor."""

    id: str
    name: str
    phone: str | None = None
    url: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """Return the agency as a JSON-ready dict."""
        return {"id": self.id, "name": self.name, "phone": self.phone, "url": self.url}


@dataclass
class DistrictLayer:
    """A service-district layer of the profile (wards, police divisions, ...)."""

    key: str
    label: str
    layer: Layer


@dataclass
class Profile:
    """A jurisdiction: its boundary, neighbor agencies and district layers.

    ``boundary`` is the city (all features of the boundary layer dissolved into
    one geometry, EPSG:4326). ``neighbors`` holds one :class:`Agency` per
    feature of ``neighbor_layer``. ``metric_crs`` is the projected CRS in which
    distances are measured in metres.

    ``problems`` lists what makes the profile unusable for locating although it
    loads (a layer off the lon/lat range or away from the city, duplicate ids):
    ``profile check`` reports them and fails, :class:`~geo311.jurisdiction.Locator`
    refuses the profile.
    """

    path: Path
    jurisdiction: Agency
    boundary: shapely.Geometry
    boundary_layer: Layer
    neighbor_layer: Layer | None
    neighbors: list[Agency]
    districts: list[DistrictLayer]
    metric_crs: CRS
    locate: LocateSettings = LocateSettings()
    addresses: AddressSettings | None = None
    services: ServiceSettings = ServiceSettings()
    requests: RequestSettings | None = None
    routing: RoutingSettings = RoutingSettings()
    maps: MapSettings = MapSettings()
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def root(self) -> Path:
        """The directory that holds ``profile.toml``."""
        return self.path.parent

    @property
    def near_boundary_m(self) -> float:
        """``[locate] near_boundary_m``."""
        return self.locate.near_boundary_m

    @property
    def grid_cell_m(self) -> float:
        """``[locate] grid_cell_m``."""
        return self.locate.grid_cell_m

    @property
    def grid_max_cells(self) -> int:
        """``[locate] grid_max_cells``."""
        return self.locate.grid_max_cells

    def resolve_path(self, value: str, where: str) -> Path:
        """Return a path of the profile as a file: ``${VAR}``/``${VAR:-default}`` and ``~``
        expanded, relative to the profile's directory.

        ``where`` names the key for errors, e.g. ``"[requests] file"``.
        """
        return _resolve_path(self.root, value, where)

    @property
    def repairs(self) -> dict[str, list[Repair]]:
        """Geometry repairs per layer name, for layers that needed any."""
        layers = {"jurisdiction": self.boundary_layer}
        if self.neighbor_layer is not None:
            layers["neighbors"] = self.neighbor_layer
        layers.update({d.key: d.layer for d in self.districts})
        return {name: layer.repairs for name, layer in layers.items() if layer.repairs}

    def district(self, key: str) -> DistrictLayer:
        """Return the district layer named ``key``."""
        for layer in self.districts:
            if layer.key == key:
                return layer
        known = ", ".join(d.key for d in self.districts)
        raise ProfileError(f"no district layer {key!r} (known: {known})", key=key)


def _expand(value: str, where: str) -> str:
    """Expand ``${VAR}`` and ``${VAR:-default}`` (the default is relative to the file)."""

    def replace(match: re.Match) -> str:
        name, default = match.group(1), match.group(3)
        if os.environ.get(name):
            return os.environ[name]
        if default is not None:
            return default
        raise ProfileError(f"{where} = {value!r}: environment variable {name} is not set",
                           field=where)

    return _VAR_RE.sub(replace, value)


def _resolve_path(root: Path, value: Any, where: str) -> Path:
    """Return ``value`` as a path relative to ``root``, with ``${VAR:-default}`` and ``~``
    expanded; ``where`` names the key in errors."""
    if not isinstance(value, str) or not value:
        raise ProfileError(f"{where} must be a file path, not {value!r}", field=where)
    return (root / os.path.expanduser(_expand(value, where))).resolve()


def _check_keys(section: str, table: Any, label: str) -> None:
    if not isinstance(table, dict):
        raise ProfileError(f"{label} must be a table, not {table!r}", field=label)
    unknown = sorted(set(table) - _SECTION_KEYS[section])
    if unknown:
        known = ", ".join(sorted(_SECTION_KEYS[section]))
        raise ProfileError(
            f"unknown key(s) {', '.join(unknown)} in {label} (known: {known})", field=label
        )


def _require(table: dict, key: str, label: str) -> Any:
    if key not in table or table[key] in ("", None):
        raise ProfileError(f"{label} needs {key!r}", field=f"{label}.{key}")
    return table[key]


def _read_contacts(path: Path) -> dict[str, dict[str, str]]:
    """Return contacts.csv rows keyed by id: ``{id: {name, phone, url}}``."""
    if not path.exists():
        raise ProfileError(f"[neighbors] contacts: file not found: {path}", file=str(path))
    try:
        with open_table(path) as table:
            header, rows = table.header, list(table.rows)
    except InputError as exc:
        raise ProfileError(f"[neighbors] contacts: {exc.message}", file=str(path)) from None
    if "id" not in header:
        raise ProfileError(
            f"[neighbors] contacts: {path.name} needs an 'id' column "
            "(columns: id,name,phone,url)",
            file=str(path),
            field="id",
        )
    contacts = {}
    for row in rows:
        record = dict(zip(header, row, strict=False))
        if record.get("id"):
            contacts[record["id"].strip()] = {k: (v or "").strip() for k, v in record.items()
                                              if k != "id"}
    return contacts


def _check_texts(table: dict, label: str, skip: Iterable[str] = ()) -> None:
    """Every value of ``table`` (but ``skip``) is a non-empty text."""
    for key, value in table.items():
        if key not in skip and (not isinstance(value, str) or not value.strip()):
            raise ProfileError(f"{label} {key} = {value!r}: must be a non-empty text",
                               field=key)


def _check_where(where: Any) -> None:
    """``where`` is ``{column = value or [values]}`` of texts, numbers or booleans."""
    scalar = (str, int, float, bool)
    ok = isinstance(where, dict) and all(
        isinstance(v, scalar) or (isinstance(v, list) and v and
                                  all(isinstance(x, scalar) for x in v))
        for v in where.values())
    if not ok:
        raise ProfileError(f"[neighbors] where = {where!r}: must be a table such as "
                           "{ type = [\"city\", \"county-area\"] }", field="where")


def _neighbors(root: Path, table: Any) -> tuple[Layer, list[Agency], list[str]]:
    _check_keys("neighbors", table, "[neighbors]")
    _check_texts(table, "[neighbors]", skip=["where"])
    where = table.get("where")
    if where is not None:
        _check_where(where)
    layer = read_layer(
        _resolve_path(root, _require(table, "layer", "[neighbors]"), "[neighbors] layer"),
        id_field=_require(table, "id_field", "[neighbors]"),
        name_field=table.get("name_field"),
        attr_fields={"phone": table.get("phone_field"), "url": table.get("url_field")},
        where=where,
        layer_name=table.get("layer_name"),
        what="[neighbors]",
    )
    contacts = (
        _read_contacts(_resolve_path(root, table["contacts"], "[neighbors] contacts"))
        if "contacts" in table
        else {}
    )
    agencies, warnings = [], []
    for i, agency_id in enumerate(layer.ids):
        extra = contacts.get(agency_id, {})
        agencies.append(
            Agency(
                id=agency_id,
                name=extra.get("name") or layer.names[i],
                phone=extra.get("phone") or layer.attrs["phone"][i],
                url=extra.get("url") or layer.attrs["url"][i],
            )
        )
    unknown = sorted(set(contacts) - set(layer.ids))
    if unknown:
        warnings.append(f"contacts.csv ids not in the neighbor layer: {', '.join(unknown)}")
    return layer, agencies, warnings


def _district(root: Path, table: Any, index: int) -> DistrictLayer:
    label = f"[[districts]] #{index + 1}"
    _check_keys("districts", table, label)
    _check_texts(table, label)
    key = _require(table, "key", label)
    if not isinstance(key, str) or not _KEY_RE.match(key):
        raise ProfileError(f"{label} key {key!r} must be lower_snake_case", field="key")
    label = f"[[districts]] {key}"
    layer = read_layer(
        _resolve_path(root, _require(table, "layer", label), f"{label} layer"),
        id_field=_require(table, "id_field", label),
        name_field=table.get("name_field"),
        attr_fields={"population": table["population_field"]}
        if table.get("population_field") else None,
        layer_name=table.get("layer_name"),
        what=label,
    )
    return DistrictLayer(key=key, label=table.get("label", key), layer=layer)


def _off_lonlat(layer: Layer) -> str | None:
    """Why the layer's coordinates cannot be lon/lat, or None when they can."""
    minx, miny, maxx, maxy = shapely.total_bounds(layer.geoms)
    if -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90:
        return None
    return (f"{layer.path.name} has coordinates outside the lon/lat range (x {minx:.6g} to "
            f"{maxx:.6g}, y {miny:.6g} to {maxy:.6g}, read as {layer.source_crs}): lon/lat "
            "swapped, or projected coordinates in a file without a CRS")


def _any_near(geoms: np.ndarray, boundary: shapely.Geometry, reach: float) -> bool:
    """Whether a feature intersects the boundary (``reach`` 0) or comes within ``reach``."""
    bx0, by0, bx1, by1 = shapely.bounds(boundary)
    x0, y0, x1, y1 = shapely.bounds(geoms).T
    boxes = (x1 >= bx0 - reach) & (x0 <= bx1 + reach) & (y1 >= by0 - reach) & (y0 <= by1 + reach)
    test = shapely.dwithin if reach else shapely.intersects
    args = (reach,) if reach else ()
    return any(test(geom, boundary, *args) for geom in geoms[boxes])


def _problems(boundary: shapely.Geometry, neighbor_layer: Layer | None,
              districts: list[DistrictLayer]) -> list[str]:
    """What makes the layers unusable for locating: see :attr:`Profile.problems`."""
    layers = [("[neighbors]", neighbor_layer)] if neighbor_layer is not None else []
    layers += [(f"[[districts]] {d.key}", d.layer) for d in districts]
    problems = []
    for label, layer in layers:
        ids = pd.Series(layer.ids)
        duplicated = sorted(set(ids[ids.duplicated()]))
        if duplicated:
            problems.append(f"{label}: {len(duplicated)} id(s) used by more than one feature "
                            f"of {layer.path.name}: {', '.join(map(str, duplicated[:5]))}")
        off = _off_lonlat(layer)
        if off:
            problems.append(f"{label}: {off}")
            continue
        # neighbors surround the city: they must come within ~10 km (0.1 degree) of it
        reach = 0.1 if label == "[neighbors]" else 0.0
        if not _any_near(layer.geoms, boundary, reach):
            swapped = shapely.transform(layer.geoms, lambda c: c[:, ::-1])
            hint = (" (with x and y swapped it would: lon/lat swapped?)"
                    if _any_near(swapped, boundary, reach) else "")
            problems.append(f"{label}: {layer.path.name} does not "
                            f"{'come near' if label == '[neighbors]' else 'overlap'} "
                            f"the city{hint}")
    return problems


def _metric_crs(value: str | None, boundary: shapely.Geometry) -> CRS:
    if value:
        try:
            crs = CRS.from_user_input(value)
        except Exception as exc:  # pyproj raises CRSError, a bare Exception subclass
            raise ProfileError(f"[jurisdiction] metric_crs {value!r}: {exc}") from exc
        if not crs.is_projected:
            raise ProfileError(f"[jurisdiction] metric_crs {value!r} is not a projected CRS")
        return crs
    return gpd.GeoSeries([boundary], crs="EPSG:4326").estimate_utm_crs()


def load_profile(path: str | Path) -> Profile:
    """Return the profile at ``path`` (a ``profile.toml`` or the directory holding one).

    Raises
    ------
    ProfileError
        If the TOML is malformed, a key is missing or unknown, or a layer cannot
        be used; the message names the file, section and key.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "profile.toml"
    if not path.exists():
        raise ProfileError(f"profile not found: {path}", file=str(path))
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}", file=str(path)) from exc
    known = sorted({*_SECTION_KEYS, *_SECTIONS})
    unknown = sorted(set(config) - set(known))
    if unknown:
        raise ProfileError(f"{path}: unknown section(s) {', '.join(unknown)} "
                           f"(known: {', '.join(known)})", file=str(path))
    root = path.parent.resolve()
    try:
        return _build(path.resolve(), root, config)
    except ProfileError as exc:
        exc.details.setdefault("profile", str(path))
        if str(path) in exc.message:
            raise
        raise ProfileError(f"{path}: {exc.message}", **exc.details) from exc


def _build(path: Path, root: Path, config: dict) -> Profile:
    table = config.get("jurisdiction")
    if not isinstance(table, dict):
        raise ProfileError(f"{path}: a [jurisdiction] section is needed", file=str(path))
    _check_keys("jurisdiction", table, "[jurisdiction]")
    _check_texts(table, "[jurisdiction]")
    settings = {name: cls.from_table(config[name], path)
                for name, cls in _SECTIONS.items() if name in config}
    boundary_layer = read_layer(
        _resolve_path(root, _require(table, "boundary", "[jurisdiction]"),
                     "[jurisdiction] boundary"),
        id_field=None,
        layer_name=table.get("layer_name"),
        what="[jurisdiction] boundary",
    )
    boundary = shapely.union_all(boundary_layer.geoms)
    off = _off_lonlat(boundary_layer)
    if off:
        raise ProfileError(f"[jurisdiction] boundary: {off}", file=str(boundary_layer.path),
                           field="boundary")
    jurisdiction = Agency(
        id=str(_require(table, "id", "[jurisdiction]")),
        name=str(_require(table, "name", "[jurisdiction]")),
        phone=table.get("phone"),
        url=table.get("url"),
    )
    neighbor_layer, neighbors, warnings = None, [], []
    if "neighbors" in config:
        neighbor_layer, neighbors, warnings = _neighbors(root, config["neighbors"])
    raw_districts = config.get("districts", [])
    if not isinstance(raw_districts, list):
        raise ProfileError("districts must be an array of tables: [[districts]]")
    districts = [_district(root, t, i) for i, t in enumerate(raw_districts)]
    keys = [d.key for d in districts]
    duplicated = sorted({k for k in keys if keys.count(k) > 1})
    if duplicated:
        raise ProfileError(f"[[districts]] key(s) used twice: {', '.join(duplicated)}")
    profile = Profile(
        path=path,
        jurisdiction=jurisdiction,
        boundary=boundary,
        boundary_layer=boundary_layer,
        neighbor_layer=neighbor_layer,
        neighbors=neighbors,
        districts=districts,
        metric_crs=_metric_crs(table.get("metric_crs"), boundary),
        **settings,
        problems=_problems(boundary, neighbor_layer, districts),
        warnings=warnings,
    )
    return profile

