"""Jurisdiction profiles: a directory with a ``profile.toml`` and its layers.

:func:`load_profile` reads the TOML, resolves paths relative to the file
(``${VAR}`` and ``~`` are expanded), reads every layer into EPSG:4326 through
:func:`geo311.layers.read_layer` and returns a :class:`Profile`. Errors name
the file, the section and the key.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from pyproj import CRS

from geo311.errors import InputError, ProfileError
from geo311.layers import Layer, Repair, read_layer
from geo311.tables import open_table

__all__ = ["Agency", "DistrictLayer", "Profile", "load_profile"]

_SECTION_KEYS = {
    "jurisdiction": {"id", "name", "boundary", "phone", "url", "metric_crs", "layer_name"},
    "neighbors": {
        "layer", "id_field", "name_field", "phone_field", "url_field", "where", "contacts",
        "layer_name",
    },
    "districts": {"key", "label", "layer", "id_field", "name_field", "layer_name",
                  "population_field"},
    "locate": {"near_boundary_m", "grid_cell_m", "grid_max_cells"},
}
# Sections read by later stages (address reference, catalog, request exports);
# their keys are checked there.
_PASS_THROUGH = {"addresses", "services", "requests"}
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_VAR_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}")


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
    """

    path: Path
    jurisdiction: Agency
    boundary: shapely.Geometry
    boundary_layer: Layer
    neighbor_layer: Layer | None
    neighbors: list[Agency]
    districts: list[DistrictLayer]
    metric_crs: CRS
    near_boundary_m: float = 30.0
    grid_cell_m: float = 10.0
    grid_max_cells: int = 16_777_216
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def root(self) -> Path:
        """The directory that holds ``profile.toml``."""
        return self.path.parent

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


def _resolve(root: Path, value: Any, where: str) -> Path:
    if not isinstance(value, str) or not value:
        raise ProfileError(f"{where} must be a file path", field=where)
    return (root / os.path.expanduser(_expand(value, where))).resolve()


def _check_keys(section: str, table: dict, label: str) -> None:
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


def _neighbors(root: Path, table: dict) -> tuple[Layer, list[Agency], list[str]]:
    _check_keys("neighbors", table, "[neighbors]")
    where = table.get("where")
    if where is not None and not isinstance(where, dict):
        raise ProfileError("[neighbors] where must be a table such as { type = [...] }")
    layer = read_layer(
        _resolve(root, _require(table, "layer", "[neighbors]"), "[neighbors] layer"),
        id_field=_require(table, "id_field", "[neighbors]"),
        name_field=table.get("name_field"),
        attr_fields={"phone": table.get("phone_field"), "url": table.get("url_field")},
        where=where,
        layer_name=table.get("layer_name"),
        what="[neighbors]",
    )
    contacts = (
        _read_contacts(_resolve(root, table["contacts"], "[neighbors] contacts"))
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


def _district(root: Path, table: dict, index: int) -> DistrictLayer:
    label = f"[[districts]] #{index + 1}"
    _check_keys("districts", table, label)
    key = _require(table, "key", label)
    if not isinstance(key, str) or not _KEY_RE.match(key):
        raise ProfileError(f"{label} key {key!r} must be lower_snake_case", field="key")
    label = f"[[districts]] {key}"
    layer = read_layer(
        _resolve(root, _require(table, "layer", label), f"{label} layer"),
        id_field=_require(table, "id_field", label),
        name_field=table.get("name_field"),
        attr_fields={"population": table["population_field"]}
        if table.get("population_field") else None,
        layer_name=table.get("layer_name"),
        what=label,
    )
    return DistrictLayer(key=key, label=table.get("label", key), layer=layer)


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
    unknown = sorted(set(config) - set(_SECTION_KEYS) - _PASS_THROUGH)
    if unknown:
        raise ProfileError(f"{path}: unknown section(s) {', '.join(unknown)}", file=str(path))
    root = path.parent.resolve()
    try:
        return _build(path.resolve(), root, config)
    except ProfileError as exc:
        exc.details.setdefault("profile", str(path))
        raise


def _build(path: Path, root: Path, config: dict) -> Profile:
    table = config.get("jurisdiction")
    if not isinstance(table, dict):
        raise ProfileError(f"{path}: a [jurisdiction] section is needed", file=str(path))
    _check_keys("jurisdiction", table, "[jurisdiction]")
    boundary_layer = read_layer(
        _resolve(root, _require(table, "boundary", "[jurisdiction]"), "[jurisdiction] boundary"),
        id_field=None,
        layer_name=table.get("layer_name"),
        what="[jurisdiction] boundary",
    )
    boundary = shapely.union_all(boundary_layer.geoms)
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
    options = config.get("locate", {})
    _check_keys("locate", options, "[locate]")
    profile = Profile(
        path=path,
        jurisdiction=jurisdiction,
        boundary=boundary,
        boundary_layer=boundary_layer,
        neighbor_layer=neighbor_layer,
        neighbors=neighbors,
        districts=districts,
        metric_crs=_metric_crs(table.get("metric_crs"), boundary),
        near_boundary_m=float(options.get("near_boundary_m", 30.0)),
        grid_cell_m=float(options.get("grid_cell_m", 10.0)),
        grid_max_cells=int(options.get("grid_max_cells", 16_777_216)),
        sections={k: config[k] for k in _PASS_THROUGH if k in config},
        warnings=warnings,
    )
    if profile.near_boundary_m < 0 or profile.grid_cell_m <= 0 or profile.grid_max_cells < 1:
        raise ProfileError("[locate] near_boundary_m must be >= 0 and grid sizes > 0")
    return profile

