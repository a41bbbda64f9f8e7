"""Possible duplicates: ranking the open requests near a new one, and measuring the rule.

:func:`rank_candidates` turns what a ``nearby_open`` search found into the
``possible_duplicates`` of an intake answer: within the radius and the time window,
nearest first (the newer first at equal distance). :func:`measure_duplicates`
replays a request history in time order through the rule (each service's
:class:`~geo311.service.definitions.DuplicateRule`) with an in-memory index of the
requests open at each moment (:class:`HistoryIndex`), and compares the flags with the
truth of which requests repeat a problem (``problem_id``): recall is the share of true
repeats flagged, precision the share of flagged requests that are repeats whose earlier
report is among the flagged candidates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pyproj import CRS, Transformer

from geo311.errors import InputError
from geo311.service.definitions import DuplicateRule

if TYPE_CHECKING:
    from geo311.city import City

__all__ = ["HistoryIndex", "OpenRequest", "intake_history", "measure_duplicates",
           "rank_candidates", "replay_flags"]


@dataclass(frozen=True)
class OpenRequest:
    """The fields of a request a duplicate answer shows (a ``StoredRequest`` has them too)."""

    service_request_id: str
    requested_datetime: datetime
    status: str = "open"


def rank_candidates(found: Iterable[tuple[Any, float]], *, now: datetime | None = None,
                    radius_m: float | None = None,
                    since: datetime | None = None) -> list[dict[str, Any]]:
    """Return ``possible_duplicates``: ``{service_request_id, distance_m,
    requested_datetime (ISO 8601), status}`` of each ``(request, distance_m)`` found
    within ``radius_m`` and filed from ``since`` to ``now`` (when given), nearest first
    and, at equal distance, the newer first."""
    kept = []
    for request, distance in found:
        when = request.requested_datetime
        if radius_m is not None and distance > radius_m:
            continue
        if (since is not None and when < since) or (now is not None and when > now):
            continue
        kept.append((float(distance), -when.timestamp(), request))
    kept.sort(key=lambda item: (item[0], item[1], item[2].service_request_id))
    return [{"service_request_id": r.service_request_id, "distance_m": round(d, 1),
             "requested_datetime": r.requested_datetime.isoformat(), "status": r.status}
            for d, _, r in kept]


class HistoryIndex:
    """The requests of a history, searchable like ``Store.nearby_open`` at a moment.

    ``clock`` (an aware datetime) is the moment of the search: a request is open
    when it was filed before ``clock`` and not closed by then. Distances are
    Euclidean in ``metric_crs`` (metres). Rows with ``filed`` False (refused at
    intake) are never found.
    """

    def __init__(self, frame: pd.DataFrame, metric_crs: CRS | str) -> None:
        need = ["service_request_id", "service_code", "lon", "lat", "requested", "closed"]
        missing = [c for c in need if c not in frame]
        if missing:
            raise InputError(f"history needs column(s) {', '.join(missing)}",
                             field=missing[0])
        self._to_metric = Transformer.from_crs("EPSG:4326", metric_crs, always_xy=True)
        filed = frame["filed"].to_numpy(bool) if "filed" in frame else np.ones(len(frame), bool)
        self._by_service: dict[str, dict[str, np.ndarray]] = {}
        x, y = self._to_metric.transform(frame["lon"].to_numpy(float),
                                         frame["lat"].to_numpy(float))
        requested = _seconds(frame["requested"])
        closed = _seconds(frame["closed"])
        ids = frame["service_request_id"].astype(str).to_numpy()
        codes = frame["service_code"].astype(str).to_numpy()
        for code in pd.unique(codes):
            rows = np.flatnonzero((codes == code) & filed)
            rows = rows[np.argsort(requested[rows], kind="stable")]
            self._by_service[code] = {"x": x[rows], "y": y[rows], "t": requested[rows],
                                      "closed": closed[rows], "ids": ids[rows], "row": rows}
        self._times = frame["requested"]
        self.clock: datetime = datetime.now(UTC)

    def nearby_open(self, lon: float, lat: float, radius_m: float, *,
                    service_code: str | None = None, since: datetime | None = None,
                    limit: int = 20) -> list[tuple[OpenRequest, float]]:
        """Requests open at :attr:`clock` within ``radius_m`` of the point, nearest first."""
        px, py = self._to_metric.transform(lon, lat)
        now = self.clock.timestamp()
        start = -np.inf if since is None else since.timestamp()
        codes = [service_code] if service_code is not None else list(self._by_service)
        out = []
        for code in codes:
            part = self._by_service.get(code)
            if part is None:
                continue
            lo, hi = np.searchsorted(part["t"], [start, now], side="left")
            sel = np.arange(lo, hi)
            sel = sel[part["closed"][sel] > now]
            d = np.hypot(part["x"][sel] - px, part["y"][sel] - py)
            near = d <= radius_m
            for i, dist in zip(sel[near].tolist(), d[near].tolist(), strict=True):
                when = self._times.iloc[int(part["row"][i])].to_pydatetime()
                out.append((OpenRequest(str(part["ids"][i]), when), dist))
        out.sort(key=lambda item: item[1])
        return out[:limit]


def _seconds(times: pd.Series) -> np.ndarray:
    """POSIX seconds of aware timestamps; NaT (never closed) is +inf."""
    stamps = pd.to_datetime(times, utc=True)
    values = (stamps - pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds().to_numpy(float)
    return np.where(np.isnan(values), np.inf, values)


def intake_history(city: City, requests: pd.DataFrame) -> pd.DataFrame:
    """The columns :class:`HistoryIndex` and :func:`replay_flags` read, for an export with
    ``service_request_id, service_code, requested_datetime, closed_datetime, lon, lat``
    (and ``address``, ``zipcode`` for rows without coordinates), located as intake would:
    a row is ``filed`` when its point, or else its address through the validator (valid
    or corrected), is in the city. The other columns are kept.
    """
    out = requests.copy()
    lon = pd.to_numeric(out["lon"], errors="coerce").to_numpy(float, copy=True)
    lat = pd.to_numeric(out["lat"], errors="coerce").to_numpy(float, copy=True)
    has_point = np.isfinite(lon) & np.isfinite(lat)
    filed = np.zeros(len(out), bool)
    located = city.locator.locate_many(lon[has_point], lat[has_point], near_boundary=False)
    filed[has_point] = located.to_frame()["in_jurisdiction"].fillna(False).to_numpy(bool)
    rows = np.flatnonzero(~has_point)
    if rows.size and "address" in out:
        zips = out["zipcode"].iloc[rows].fillna("").astype(str).tolist() \
            if "zipcode" in out else None
        answers = city.validator.validate_many(
            out["address"].iloc[rows].fillna("").astype(str).tolist(), zips=zips)
        for row, answer in zip(rows.tolist(), answers, strict=True):
            location = answer["location"]
            if answer["status"] in ("valid", "corrected") and location is not None:
                lon[row], lat[row] = answer["lon"], answer["lat"]
                filed[row] = bool(location["in_jurisdiction"])
    out["lon"], out["lat"], out["filed"] = lon, lat, filed
    out["requested"] = pd.to_datetime(out["requested_datetime"], utc=True, format="ISO8601")
    closed = out["closed_datetime"].replace("", None) if "closed_datetime" in out else None
    out["closed"] = pd.to_datetime(closed, utc=True, format="ISO8601") if closed is not None \
        else pd.NaT
    return out


def replay_flags(history: pd.DataFrame, metric_crs: CRS | str,
                 rule_of: Callable[[str], DuplicateRule],
                 limit: int = 20) -> list[list[str]]:
    """For each row of ``history`` (columns of :class:`HistoryIndex`, plus ``filed``), the
    ids of the possible duplicates the rule finds when it is filed (empty for a row not
    filed), replaying the rows in time order."""
    index = HistoryIndex(history, metric_crs)
    out: list[list[str]] = [[] for _ in range(len(history))]
    filed = history["filed"].to_numpy(bool) if "filed" in history else \
        np.ones(len(history), bool)
    order = np.argsort(_seconds(history["requested"]), kind="stable")
    lons, lats = history["lon"].to_numpy(float), history["lat"].to_numpy(float)
    codes = history["service_code"].astype(str).to_numpy()
    times = history["requested"]
    for row in order.tolist():
        if not filed[row]:
            continue
        now = times.iloc[row].to_pydatetime()
        index.clock = now
        rule = rule_of(codes[row])
        since = now - pd.Timedelta(days=rule.days).to_pytimedelta()
        found = index.nearby_open(lons[row], lats[row], rule.radius_m,
                                  service_code=codes[row], since=since, limit=limit)
        ranked = rank_candidates(found, now=now, radius_m=rule.radius_m, since=since)
        out[row] = [c["service_request_id"] for c in ranked]
    return out


def measure_duplicates(history: pd.DataFrame, flags: Sequence[Sequence[str]],
                       within: np.ndarray | None = None) -> dict[str, Any]:
    """Recall and precision of ``flags`` (per row, the ids flagged as possible duplicates)
    against the truth in ``history["problem_id"]`` (rows sharing one repeat a problem; the
    first filed is the original), per service and overall.

    A row is a *true repeat* when an earlier filed row has its ``problem_id``; it is
    *flagged* when its flags are not empty, and *rightly flagged* when a flagged id
    has its ``problem_id``. Rows not filed count in ``not_filed`` only. ``within`` (a
    boolean mask) counts only those rows, their truth still read from the whole history.
    """
    problem = history["problem_id"].astype(str).to_numpy()
    filed = history["filed"].to_numpy(bool) if "filed" in history else \
        np.ones(len(history), bool)
    by_id = dict(zip(history["service_request_id"].astype(str), problem, strict=True))
    order = np.argsort(_seconds(history["requested"]), kind="stable")
    seen: set[str] = set()
    repeat = np.zeros(len(history), bool)
    for row in order.tolist():
        if filed[row]:
            repeat[row] = problem[row] in seen
            seen.add(problem[row])
    flagged = np.array([bool(f) for f in flags])
    right = np.array([any(by_id.get(i) == problem[row] for i in f)
                      for row, f in enumerate(flags)])
    codes = history["service_code"].astype(str).to_numpy()

    def figures(sel: np.ndarray) -> dict[str, Any]:
        true_n, flag_n = int((repeat & sel).sum()), int((flagged & sel & filed).sum())
        hit = int((repeat & flagged & sel).sum())
        right_n = int((right & sel & filed).sum())
        return {"requests": int((sel & filed).sum()), "not_filed": int((sel & ~filed).sum()),
                "true_repeats": true_n, "flagged": flag_n, "repeats_flagged": hit,
                "flags_right": right_n,
                "recall": round(hit / true_n, 4) if true_n else None,
                "precision": round(right_n / flag_n, 4) if flag_n else None}

    rows = np.ones(len(history), bool) if within is None else np.asarray(within, bool)
    return {"overall": figures(rows),
            "by_service": {code: figures(rows & (codes == code)) for code in sorted(set(codes))}}
