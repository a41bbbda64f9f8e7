"""The stored requests as a :class:`~geo311.service.requests.Requests` table, for the
analyses (hot spots, crew reallocation) that read exports.

The store is read in one streaming select of the columns needed (``Store.request_frame``)
under the same filter the export path takes (:class:`~geo311.service.requests.RequestFilter`:
types are service codes here). Rows without a location stay, with ``valid`` False and a
reason, as the export loader keeps them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geo311.errors import InputError
from geo311.service.records import RequestQuery
from geo311.service.requests import LoadReport, RequestFilter, Requests

if TYPE_CHECKING:
    from geo311.jurisdiction.locate import Locator
    from geo311.service.store import Store

__all__ = ["MAX_ROWS", "stored_requests"]

MAX_ROWS = 500_000
"""The most requests one analysis reads from the store."""

NO_LOCATION = "missing coordinates"


COLUMNS = ("service_request_id", "service_code", "requested_datetime", "closed_datetime",
           "status", "lon", "lat", "address")


def _query(rows: RequestFilter) -> RequestQuery:
    return RequestQuery(service_codes=rows.types, statuses=rows.status,
                        start=rows.start, end=rows.end, districts=dict(rows.districts),
                        bbox=rows.bbox)


def stored_requests(store: Store, rows: RequestFilter, locator: Locator) -> Requests:
    """The requests of ``store`` that ``rows`` selects, located with ``locator``.

    Raises
    ------
    InputError
        If no stored request matches, or more than :data:`MAX_ROWS` do.
    """
    found = store.request_frame(_query(rows), COLUMNS, max_rows=MAX_ROWS)
    if len(found) > MAX_ROWS:
        raise InputError(f"more than {MAX_ROWS:,} requests match {rows.describe()}; "
                         "narrow the filter")
    if found.empty:
        raise InputError(f"no stored request matches {rows.describe()}")
    lon = found["lon"].astype(float).to_numpy()
    lat = found["lat"].astype(float).to_numpy()
    usable = np.isfinite(lon) & np.isfinite(lat)
    frame = pd.DataFrame({
        "id": found["service_request_id"].to_numpy(),
        "type": found["service_code"].to_numpy(),
        "created": pd.to_datetime(found["requested_datetime"], utc=True),
        "closed": pd.to_datetime(found["closed_datetime"], utc=True),
        "status": found["status"].to_numpy(),
        "is_closed": (found["status"] == "closed").to_numpy(),
        "lon": lon, "lat": lat,
        "address": found["address"].to_numpy(),
        "reason": np.where(usable, None, NO_LOCATION),
        "valid": usable,
    })
    invalid = {NO_LOCATION: int((~usable).sum())} if not usable.all() else {}
    report = LoadReport(rows=len(frame), invalid=invalid)
    return Requests(frame, report, Path("store")).locate(locator)
