"""The planners' dashboard: one filter, the library's analyses, and what the page shows.

:func:`parse_filters` reads the page's query (type, date range, district, table layer, map
method, department) into :class:`DashboardQuery`; :func:`build` reads the requests with that
filter — the service's stored requests when it has a store
(:func:`~geo311.service.history.stored_requests`), else the profile's requests file
(:meth:`City.load_requests`) — runs :func:`~geo311.hotspots.analysis.analyze`
for the map, :func:`~geo311.hotspots.aggregate.by_district` for the table and, when a
department is chosen, :func:`~geo311.crews.reallocation.reallocate` (when it cannot compare,
the view keeps its map and table and says why) — the calls the CLI and the API make. Labels
are plain words in the reader's language; numbers are formatted in the templates
(:mod:`geo311.web.wording`). :func:`table_csv`, :func:`map_geojson` and :func:`map_png` are the
downloads of the same view.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
from flask_babel import lazy_gettext
from sqlalchemy import func, select

from geo311.city import City
from geo311.crews.reallocation import StaffingComparison, reallocate
from geo311.errors import InputError
from geo311.hotspots.aggregate import by_district
from geo311.hotspots.analysis import HotspotResult, analyze
from geo311.render.maps import BIN_COLORS, CATEGORY_COLORS, LISA_COLORS
from geo311.service.history import stored_requests
from geo311.service.requests import RequestFilter
from geo311.service.store.models import Request as StoredRequestRow
from geo311.service.store.store import Store
from geo311.web.wording import count

__all__ = ["COLUMNS", "METHODS", "DashboardQuery", "DashboardView", "build", "map_geojson",
           "map_png", "parse_filters", "source_stamp", "table_csv"]

METHODS = {
    "counts": lazy_gettext("Requests by district (choropleth)"),
    "gistar": lazy_gettext("Hot spots (Gi*)"),
    "lisa": lazy_gettext("Clusters and outliers (local Moran's I)"),
    "emerging": lazy_gettext("Emerging hot spots (by month)"),
}
"""The map's choices, in plain words."""

COLUMNS = (
    ("count", lazy_gettext("Requests"), "count"),
    ("share", lazy_gettext("Share of requests"), "percent"),
    ("per_1000_residents", lazy_gettext("Per 1,000 residents"), "rate"),
    ("median_days_to_close", lazy_gettext("Median days to close"), "rate"),
    ("pct_closed_within_sla", lazy_gettext("Closed within SLA"), "points"),
    ("open_backlog", lazy_gettext("Open backlog"), "count"),
)
"""The district table: column, label, format (a filter of :mod:`geo311.web.wording`)."""

_RAMP = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
_BIN_WORDS = {3: lazy_gettext("Hot spot, %(level)s confidence", level="99%"),
              2: lazy_gettext("Hot spot, %(level)s confidence", level="95%"),
              1: lazy_gettext("Hot spot, %(level)s confidence", level="90%"),
              0: lazy_gettext("Not significant"),
              -1: lazy_gettext("Cold spot, %(level)s confidence", level="90%"),
              -2: lazy_gettext("Cold spot, %(level)s confidence", level="95%"),
              -3: lazy_gettext("Cold spot, %(level)s confidence", level="99%")}
_LISA_WORDS = {"HH": lazy_gettext("High-high cluster"), "HL": lazy_gettext("High-low outlier"),
               "LH": lazy_gettext("Low-high outlier"), "LL": lazy_gettext("Low-low cluster"),
               "ns": lazy_gettext("Not significant")}
_CATEGORY_WORDS = {
    "new hot spot": lazy_gettext("New hot spot"),
    "consecutive hot spot": lazy_gettext("Consecutive hot spot"),
    "intensifying hot spot": lazy_gettext("Intensifying hot spot"),
    "persistent hot spot": lazy_gettext("Persistent hot spot"),
    "diminishing hot spot": lazy_gettext("Diminishing hot spot"),
    "sporadic hot spot": lazy_gettext("Sporadic hot spot"),
    "oscillating hot spot": lazy_gettext("Oscillating hot spot"),
    "historical hot spot": lazy_gettext("Historical hot spot"),
    "new cold spot": lazy_gettext("New cold spot"),
    "consecutive cold spot": lazy_gettext("Consecutive cold spot"),
    "intensifying cold spot": lazy_gettext("Intensifying cold spot"),
    "persistent cold spot": lazy_gettext("Persistent cold spot"),
    "diminishing cold spot": lazy_gettext("Diminishing cold spot"),
    "sporadic cold spot": lazy_gettext("Sporadic cold spot"),
    "oscillating cold spot": lazy_gettext("Oscillating cold spot"),
    "historical cold spot": lazy_gettext("Historical cold spot"),
    "no pattern": lazy_gettext("No pattern"),
}
"""The classes of the maps in plain words, in the reader's language (the CLI's maps keep
:mod:`geo311.render.maps`' English labels)."""
_MAX_TYPES = 50


@dataclass(frozen=True)
class DashboardQuery:
    """The dashboard's filters, checked."""

    types: tuple[str, ...] = ()
    start: str | None = None
    end: str | None = None
    district: tuple[str, str] | None = None  # (layer key, id)
    by: str = "ward"
    method: str = "counts"
    department: str | None = None

    def request_filter(self) -> RequestFilter:
        """The library filter of these choices."""
        districts = {self.district[0]: [self.district[1]]} if self.district else {}
        return RequestFilter(types=list(self.types) or None, start=self.start, end=self.end,
                             districts=districts)

    def args(self) -> dict[str, Any]:
        """The query string of this view (for the download links)."""
        out: dict[str, Any] = {"type": list(self.types), "by": self.by, "method": self.method}
        for name in ("start", "end", "department"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        if self.district:
            out["district"] = ":".join(self.district)
        return out


@dataclass
class DashboardView:
    """What the page shows: the map's result, the district table, the reallocation."""

    query: DashboardQuery
    result: HotspotResult
    table: pd.DataFrame
    reallocation: StaffingComparison | None
    report: dict = field(default_factory=dict)
    reallocation_error: str | None = None


def parse_filters(args, city: City) -> DashboardQuery:
    """Read the page's query string; a value the profile does not know is an InputError."""
    keys = [d.key for d in city.profile.districts]
    if not keys:
        raise InputError("the profile has no district layer for the dashboard")
    types = tuple(t.strip() for t in args.getlist("type") if t.strip())[:_MAX_TYPES]
    by = args.get("by") or keys[0]
    if by not in keys:
        raise InputError(f"no district layer {by[:50]!r}; the profile's are: {', '.join(keys)}",
                         field="by")
    method = args.get("method") or "counts"
    if method not in METHODS:
        raise InputError(f"map must be one of {', '.join(METHODS)}", field="method")
    district = None
    if args.get("district"):
        key, _, feature = args["district"].partition(":")
        if key not in keys or not feature:
            raise InputError("district must be a district of the profile", field="district")
        district = (key, feature)
    dates = {}
    for name in ("start", "end"):
        value = (args.get(name) or "").strip()[:40] or None
        dates[name] = value
    department = (args.get("department") or "").strip()[:200] or None
    return DashboardQuery(types, dates["start"], dates["end"], district, by, method, department)


def source_stamp(city: City, store: Store | None = None) -> tuple:
    """What changes when the dashboard's requests change: the store's request count, newest
    request and latest update, or the requests file's modification time."""
    if store is None:
        from geo311.service.requests import requests_file

        return ("file", requests_file(city.profile).stat().st_mtime_ns)
    table = StoredRequestRow.__table__
    statement = select(func.count(), func.max(table.c.pk), func.max(table.c.updated_datetime))
    with store.engines.read.connect() as connection:
        return ("store", *connection.execute(statement).one())


def build(city: City, query: DashboardQuery, store: Store | None = None) -> DashboardView:
    """Run the library's analyses for ``query`` over ``store``'s requests, or the profile's
    requests file when there is no store (InputError when the filter leaves nothing)."""
    if store is None:
        requests = city.load_requests(query.request_filter())
    else:
        requests = stored_requests(store, query.request_filter(), city.locator)
    catalog = city.catalog if city.has_catalog else None
    if query.method == "counts":
        result = analyze(requests, city.locator, by=query.by, method="counts", catalog=catalog)
    else:
        result = analyze(requests, city.locator, by="hex", method=query.method,
                         permutations=999, start=query.start, end=query.end)
    table = by_district(requests, city.locator, query.by, catalog=catalog)
    table = table[table["kind"] == "district"].reset_index(drop=True)
    comparison = error = None
    if query.department:
        try:
            comparison = reallocate(requests, city.locator, query.department,
                                    catalog=city.catalog, staffing=city.staffing, key=query.by)
        except InputError as exc:  # the view without its crews (e.g. none of their types)
            error = exc.message
    return DashboardView(query, result, table, comparison, requests.report.as_dict(), error)


def _words(words: dict) -> dict:
    """Class words of one answer (each evaluated once, in the request's language)."""
    return {key: str(value) for key, value in words.items()}


def _classes(result: HotspotResult) -> tuple[list[str], list[str]]:
    """Each cell's fill colour and class in words."""
    cells = result.cells
    if result.method == "gistar":
        bins, words = cells["bin"].astype(int), _words(_BIN_WORDS)
        return [BIN_COLORS[b] for b in bins], [words[b] for b in bins]
    if result.method == "lisa":
        kinds, words = cells["cluster"].astype(str), _words(_LISA_WORDS)
        return [LISA_COLORS[k] for k in kinds], [words[k] for k in kinds]
    if result.method == "emerging":
        kinds, words = cells["category"].astype(str), _words(_CATEGORY_WORDS)
        return [CATEGORY_COLORS[k] for k in kinds], [words.get(k, k) for k in kinds]
    counts = cells["count"].to_numpy(float)
    top = max(float(counts.max()), 1.0)
    steps = np.minimum((counts / top * len(_RAMP)).astype(int), len(_RAMP) - 1)
    return [_RAMP[s] for s in steps], [""] * len(cells)


def legend(result: HotspotResult) -> list[tuple[str, str]]:
    """The map legend: (colour, words) of each class shown, or the ramp's bounds."""
    if result.method == "gistar":
        shown = set(result.cells["bin"].astype(int))
        return [(BIN_COLORS[b], str(_BIN_WORDS[b])) for b in BIN_COLORS if b in shown]
    if result.method == "lisa":
        shown = set(result.cells["cluster"].astype(str))
        return [(LISA_COLORS[k], str(_LISA_WORDS[k])) for k in LISA_COLORS if k in shown]
    if result.method == "emerging":
        shown = set(result.cells["category"].astype(str))
        return [(CATEGORY_COLORS[k], str(_CATEGORY_WORDS[k])) for k in CATEGORY_COLORS
                if k in shown]
    top = int(result.cells["count"].max())
    size = top / len(_RAMP)
    return [(color, f"{count(int(i * size))}–{count(int((i + 1) * size))}")
            for i, color in enumerate(_RAMP)]


def map_features(result: HotspotResult) -> dict:
    """The map's cells as GeoJSON (cells without requests and without a class left out),
    each with its fill colour, name, request count and class in words."""
    colors, words = _classes(result)
    keep = (result.cells["count"].to_numpy() > 0) | result.notable()
    geometries = shapely.transform(np.asarray(result.geometries)[keep],
                                   lambda c: np.round(c, 4))  # ~10 m: cells are 100s of m
    cells = result.cells[keep]
    features = []
    for geometry, (_, cell), color, word in zip(geometries, cells.iterrows(),
                                                 np.asarray(colors)[keep],
                                                 np.asarray(words)[keep], strict=True):
        features.append({"type": "Feature", "geometry": json.loads(shapely.to_geojson(geometry)),
                         "properties": {"name": str(cell["name"]), "requests": int(cell["count"]),
                                        "class": str(word), "fill": str(color)}})
    return {"type": "FeatureCollection", "features": features}


def map_geojson(view: DashboardView) -> str:
    """The map's cells as a GeoJSON download."""
    return json.dumps(map_features(view.result), ensure_ascii=False)


def table_csv(view: DashboardView, labels: dict[str, str]) -> str:
    """The district table as CSV with the page's headings (numbers unformatted)."""
    out = io.StringIO()
    writer = csv.writer(out)
    present = [(c, str(label)) for c, label, _ in COLUMNS if c in view.table]
    writer.writerow([labels.get("district", "District"), *(label for _, label in present)])
    for _, row in view.table.iterrows():
        writer.writerow([row["name"], *("" if pd.isna(row[c]) else row[c] for c, _ in present)])
    return out.getvalue()


def map_png(view: DashboardView, city: City, title: str) -> bytes:
    """The map as a PNG (the CLI's static map of the same result)."""
    from geo311.render.static_map import result_png

    return result_png(view.result, city.locator, title=title)
