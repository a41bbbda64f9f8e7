"""The stored requests as a :class:`~geo311.service.requests.Requests` table, for the
analyses (hot spots, crew reallocation) that read exports.

The store is read page by page (``RequestQuery`` allows at most 1,000 rows a page) under
the same filter the export path takes (:class:`~geo311.service.requests.RequestFilter`:
types are service codes here). Rows without a location stay, with ``valid`` False and a
reason, as the export loader keeps them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geo311.errors import InputError
from geo311.service.records import MAX_LIMIT, RequestQuery
from geo311.service.requests import LoadReport, RequestFilter, Requests

if TYPE_CHECKING:
    from geo311.jurisdiction.locate import Locator
    from geo311.service.store import Store

__all__ = ["MAX_ROWS", "stored_requests"]

MAX_ROWS = 500_000
"""The most requests one analysis reads from the store."""

NO_LOCATION = "missing coordinates"


def _query(rows: RequestFilter, offset: int) -> RequestQuery:
    return RequestQuery(service_codes=rows.types, statuses=rows.status,
                        start=rows.start, end=rows.end, districts=dict(rows.districts),
                        bbox=rows.bbox, limit=MAX_LIMIT, offset=offset)


def stored_requests(store: Store, rows: RequestFilter, locator: Locator) -> Requests:
    """The requests of ``store`` that ``rows`` selects, located with ``locator``.

    Raises
    ------
    InputError
        If no stored request matches, or more than :data:`MAX_ROWS` do.
    """
    found = []
    while True:
        page = store.list_requests(_query(rows, len(found)))
        found.extend(page)
        if len(page) < MAX_LIMIT:
            break
        if len(found) > MAX_ROWS:
            raise InputError(f"more than {MAX_ROWS:,} requests match {rows.describe()}; "
                             "narrow the filter")
    if not found:
        raise InputError(f"no stored request matches {rows.describe()}")
    created = pd.to_datetime([r.requested_datetime for r in found], utc=True)
    closed = pd.to_datetime([r.closed_datetime for r in found], utc=True)
    lon = np.array([np.nan if r.lon is None else r.lon for r in found], dtype=float)
    lat = np.array([np.nan if r.lat is None else r.lat for r in found], dtype=float)
    usable = np.isfinite(lon) & np.isfinite(lat)
    frame = pd.DataFrame({
        "id": [r.service_request_id for r in found],
        "type": [r.service_code for r in found],
        "created": created, "closed": closed,
        "status": [r.status for r in found],
        "is_closed": [r.status == "closed" for r in found],
        "lon": lon, "lat": lat,
        "address": [r.address for r in found],
        "reason": np.where(usable, None, NO_LOCATION),
        "valid": usable,
    })
    invalid = {NO_LOCATION: int((~usable).sum())} if not usable.all() else {}
    report = LoadReport(rows=len(frame), invalid=invalid)
    return Requests(frame, report, Path("store")).locate(locator)
