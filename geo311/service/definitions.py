"""Service definitions: the Open311 service list, each service's attributes and duplicate rule.

The catalog (``[services] catalog``) gives one row per service: ``service_code,
service_name, group, description`` and, optionally, the Open311 columns ``type``
(``realtime``, ``batch`` or ``blackbox``; default ``realtime``) and ``keywords``
(comma-separated), and the duplicate rule ``duplicate_radius_m`` and
``duplicate_days`` (blank: :data:`DEFAULT_RULE`). The attributes come from
``[services] definitions``, a JSON object keyed by service code::

    {"POTHOLE": {"attributes": [{"code": "SIZE", "datatype": "singlevaluelist",
                                  "required": true, "order": 1,
                                  "description": "How large is it?",
                                  "values": [{"key": "SMALL", "name": "Smaller than a plate"}]}]}}

Each attribute has the GeoReport v2 keys (``variable`` defaults to true,
``datatype_description`` and ``description`` to null, ``order`` to its position).
A service's ``metadata`` flag is derived: true when it has attributes.
Everything is checked on load; a :class:`~geo311.errors.ProfileError` names the
file, the service and the attribute at fault.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from geo311.errors import NotFoundError, ProfileError
from geo311.profile import Profile
from geo311.service.catalog import load_catalog

__all__ = ["DATATYPES", "DEFAULT_RULE", "LIST_DATATYPES", "SERVICE_TYPES", "Attribute",
           "DuplicateRule", "ServiceDefinitions", "catalog_services", "load_definitions",
           "parse_definitions"]

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_DATATYPES = ("singlevaluelist", "multivaluelist")
SERVICE_TYPES = ("realtime", "batch", "blackbox")
_ATTRIBUTE_KEYS = {"variable", "code", "datatype", "required", "datatype_description", "order",
                   "description", "values"}


@dataclass(frozen=True)
class DuplicateRule:
    """Open requests of the same service within ``radius_m`` metres, filed at most ``days``
    days before, are possible duplicates of a new one."""

    radius_m: float = 50.0
    days: float = 14.0


DEFAULT_RULE = DuplicateRule()


@dataclass(frozen=True)
class Attribute:
    """One Open311 service attribute; ``values`` holds ``(key, name)`` pairs of a list."""

    code: str
    datatype: str
    required: bool = False
    variable: bool = True
    datatype_description: str | None = None
    order: int | None = None
    description: str | None = None
    values: tuple[tuple[str, str], ...] = ()

    @property
    def keys(self) -> frozenset[str]:
        """The keys a list attribute accepts."""
        return frozenset(key for key, _ in self.values)

    def as_dict(self) -> dict[str, Any]:
        """The attribute as the GeoReport v2 service definition has it."""
        out: dict[str, Any] = {
            "variable": self.variable, "code": self.code, "datatype": self.datatype,
            "required": self.required, "datatype_description": self.datatype_description,
            "order": self.order, "description": self.description,
        }
        if self.datatype in LIST_DATATYPES:
            out["values"] = [{"key": k, "name": n} for k, n in self.values]
        return out


class ServiceDefinitions:
    """The services of a profile: list rows, attributes and duplicate rules by service code."""

    def __init__(self, rows: list[dict[str, Any]],
                 attributes: dict[str, tuple[Attribute, ...]],
                 rules: dict[str, DuplicateRule]) -> None:
        self._rows = {row["service_code"]: row for row in rows}
        self._attributes = attributes
        self._rules = rules

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self._rows

    @property
    def codes(self) -> list[str]:
        """Every service code, in catalog order."""
        return list(self._rows)

    def services(self) -> list[dict[str, Any]]:
        """The GeoReport v2 service list: ``service_code, service_name, description,
        metadata, type, keywords, group`` per service, in catalog order."""
        return [dict(row, metadata=bool(self._attributes.get(code)))
                for code, row in self._rows.items()]

    def service(self, code: str) -> dict[str, Any]:
        """The service-list row of ``code``; NotFoundError when unknown."""
        self._check(code)
        return dict(self._rows[code], metadata=bool(self._attributes.get(code)))

    def attributes(self, code: str) -> tuple[Attribute, ...]:
        """The attributes of ``code`` by ``order``; NotFoundError when unknown."""
        self._check(code)
        return self._attributes.get(code, ())

    def definition(self, code: str) -> dict[str, Any]:
        """The GeoReport v2 service definition of ``code``; NotFoundError when unknown."""
        return {"service_code": code,
                "attributes": [a.as_dict() for a in self.attributes(code)]}

    def duplicate_rule(self, code: str) -> DuplicateRule:
        """The duplicate rule of ``code`` (:data:`DEFAULT_RULE` unless the catalog says)."""
        self._check(code)
        return self._rules.get(code, DEFAULT_RULE)

    def _check(self, code: str) -> None:
        if code not in self:
            raise NotFoundError(f"unknown service_code {code!r}", field="service_code",
                                service_code=code)


def load_definitions(profile: Profile) -> ServiceDefinitions:
    """Return the service definitions of ``profile``: its catalog and ``[services]
    definitions`` (optional: without it no service has attributes).

    Raises
    ------
    InputError
        If the profile has no catalog.
    ProfileError
        If a catalog column or the definitions file is malformed (the message names
        the file, service and attribute), or the file names a service not in the catalog.
    """
    catalog = load_catalog(profile)
    rows, rules = catalog_services(catalog)
    attributes: dict[str, tuple[Attribute, ...]] = {}
    if profile.services.definitions is not None:
        path = profile.resolve_path(profile.services.definitions, "[services] definitions")
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ProfileError(f"[services] definitions: file not found: {path}",
                               file=str(path)) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ProfileError(f"[services] definitions: cannot read {path}: {exc}",
                               file=str(path)) from exc
        attributes = parse_definitions(raw, [row["service_code"] for row in rows], str(path))
    return ServiceDefinitions(rows, attributes, rules)


def catalog_services(catalog: pd.DataFrame) -> tuple[list[dict[str, Any]],
                                                      dict[str, DuplicateRule]]:
    """The service-list rows and the duplicate rules of a catalog frame."""
    if catalog["service_code"].isna().any() or catalog["service_code"].duplicated().any():
        raise ProfileError("[services] catalog: service_code must be given and unique",
                           field="service_code")
    rows, rules = [], {}
    for record in catalog.to_dict("records"):
        code = str(record["service_code"]).strip()
        kind = _cell(record.get("type")) or "realtime"
        if kind not in SERVICE_TYPES:
            raise ProfileError(f"[services] catalog: service {code}: type {kind!r} is not one "
                               f"of {', '.join(SERVICE_TYPES)}", field="type", service_code=code)
        rows.append({"service_code": code,
                     "service_name": _cell(record.get("service_name")) or code,
                     "description": _cell(record.get("description")),
                     "type": kind,
                     "keywords": _cell(record.get("keywords")),
                     "group": _cell(record.get("group"))})
        radius = _positive(record.get("duplicate_radius_m"), code, "duplicate_radius_m")
        days = _positive(record.get("duplicate_days"), code, "duplicate_days")
        if radius is not None or days is not None:
            rules[code] = DuplicateRule(DEFAULT_RULE.radius_m if radius is None else radius,
                                        DEFAULT_RULE.days if days is None else days)
    return rows, rules


def _cell(value: Any) -> str | None:
    """A catalog text cell, None when blank."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


def _positive(value: Any, code: str, column: str) -> float | None:
    text = _cell(value)
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and number > 0):
        raise ProfileError(f"[services] catalog: service {code}: {column} {text!r} must be a "
                           "number > 0", field=column, service_code=code)
    return number


def parse_definitions(raw: Any, codes: list[str],
                      where: str = "[services] definitions") -> dict[str, tuple[Attribute, ...]]:
    """Check a definitions object (see the module docstring) and return the attributes per
    service code, sorted by ``order``; ``where`` names the file in errors."""
    if not isinstance(raw, dict):
        raise ProfileError(f"{where}: must be a JSON object keyed by service_code",
                           file=where)
    unknown = sorted(set(raw) - set(codes))
    if unknown:
        raise ProfileError(f"{where}: service code(s) not in the catalog: {', '.join(unknown)}",
                           file=where, service_code=unknown[0])
    out = {}
    for code, entry in raw.items():
        label = f"{where}: service {code}"
        if not isinstance(entry, dict) or set(entry) - {"attributes"} or \
                not isinstance(entry.get("attributes", []), list):
            raise ProfileError(f"{label}: must be an object {{\"attributes\": [...]}}",
                               file=where, service_code=code)
        attributes = [_attribute(item, i, label) for i, item in
                      enumerate(entry.get("attributes", []))]
        seen = [a.code for a in attributes]
        twice = sorted({c for c in seen if seen.count(c) > 1})
        if twice:
            raise ProfileError(f"{label}: attribute code(s) used twice: {', '.join(twice)}",
                               file=where, service_code=code)
        out[code] = tuple(sorted(attributes, key=lambda a: a.order or 0))
    return out


def _attribute(item: Any, index: int, label: str) -> Attribute:
    where = f"{label} attribute #{index + 1}"
    if not isinstance(item, dict):
        raise ProfileError(f"{where}: must be an object", field="attributes")
    unknown = sorted(set(item) - _ATTRIBUTE_KEYS)
    if unknown:
        raise ProfileError(f"{where}: unknown key(s) {', '.join(unknown)} (known: "
                           f"{', '.join(sorted(_ATTRIBUTE_KEYS))})", field=unknown[0])
    code = item.get("code")
    if not isinstance(code, str) or not code.strip() or code != code.strip():
        raise ProfileError(f"{where}: code {code!r} must be a non-empty text without "
                           "surrounding spaces", field="code")
    where = f"{label} attribute {code}"
    datatype = item.get("datatype")
    if datatype not in DATATYPES:
        raise ProfileError(f"{where}: datatype {datatype!r} is not one of "
                           f"{', '.join(DATATYPES)}", field="datatype")
    for key in ("required", "variable"):
        if key in item and not isinstance(item[key], bool):
            raise ProfileError(f"{where}: {key} must be true or false", field=key)
    for key in ("datatype_description", "description"):
        if item.get(key) is not None and not isinstance(item[key], str):
            raise ProfileError(f"{where}: {key} must be a text or null", field=key)
    order = item.get("order", index + 1)
    if order is not None and (isinstance(order, bool) or not isinstance(order, int)):
        raise ProfileError(f"{where}: order must be a whole number or null", field="order")
    values = _values(item.get("values"), datatype, where)
    return Attribute(code=code, datatype=datatype, required=item.get("required", False),
                     variable=item.get("variable", True),
                     datatype_description=item.get("datatype_description"), order=order,
                     description=item.get("description"), values=values)


def _values(raw: Any, datatype: str, where: str) -> tuple[tuple[str, str], ...]:
    if datatype not in LIST_DATATYPES:
        if raw:
            raise ProfileError(f"{where}: values are for list datatypes only", field="values")
        return ()
    if not isinstance(raw, list) or not raw:
        raise ProfileError(f"{where}: a {datatype} needs a non-empty list of values",
                           field="values")
    pairs = []
    for value in raw:
        if not (isinstance(value, dict) and set(value) == {"key", "name"}
                and all(isinstance(v, str) and v.strip() for v in value.values())):
            raise ProfileError(f"{where}: each value must be {{\"key\": text, \"name\": text}}, "
                               f"not {value!r}", field="values")
        pairs.append((value["key"], value["name"]))
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ProfileError(f"{where}: value keys must be unique", field="values")
    return tuple(pairs)
