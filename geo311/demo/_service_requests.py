"""Two years of 311 service requests with seasonality, hot spots and messy input.

Background requests are drawn per (type, day) with a yearly cycle per type,
fewer requests on weekends and holidays and slow growth; they land on
address points in proportion to address density, shaped per type (graffiti
downtown, potholes on arterials, weeds on the outskirts...). A few percent
come from just outside the city (misrouted calls). Planted hot spots add a
cluster of one type within a radius, some only for part of the period.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from geo311.demo._addresses import AddressBook
from geo311.demo._boundaries import CITY_ID, Region
from geo311.demo._catalog import CATALOG, HTML_SNIPPETS
from geo311.demo._frame import stream, xy_to_lonlat
from geo311.demo._perturb import caller_addresses

START = np.datetime64("2024-01-01T00:00:00", "s")
DAYS = 731
EXPORT = START + np.timedelta64(DAYS, "D")
UTC_OFFSET = "-08:00"
OUTSIDE_SHARE = 0.04
SOURCES = np.array(["phone", "web", "app"], dtype=object)
_SOURCE_MIX = {False: (0.44, 0.22, 0.34), True: (0.26, 0.28, 0.46)}  # by weekend
_MISSING_XY = {"phone": 0.055, "web": 0.03, "app": 0.006}  # by source
_WEEKDAY = np.array([1.12, 1.1, 1.06, 1.04, 0.96, 0.66, 0.58])  # Monday first
_HOLIDAYS = (
    "2024-01-01", "2024-05-27", "2024-07-04", "2024-09-02", "2024-11-28", "2024-12-25",
    "2025-01-01", "2025-05-26", "2025-07-04", "2025-09-01", "2025-11-27", "2025-12-25",
)
_HOURS = {
    "phone": (0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 2, 5, 8, 9, 8.5, 7, 7.5, 7, 6.5, 5.5, 4, 2, 1,
              0.6, 0.4, 0.3, 0.2),
    "web": (0.8, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3.5, 4.5, 5, 5, 4.8, 4.8, 4.6, 4.5, 4.4, 4.5,
            4.8, 5, 5, 4.2, 3, 1.8),
    "app": (0.7, 0.4, 0.3, 0.2, 0.2, 0.5, 1.5, 3, 4.5, 5, 5, 5.2, 5.5, 5, 4.8, 4.8, 5, 5.5, 6,
            6, 5.5, 4.5, 3, 1.5),
    "night": (6, 4, 2.5, 1, 0.5, 0.3, 0.5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1.5, 2, 3, 4, 5.5, 7, 8,
              8),
}


@dataclass(frozen=True)
class Hotspot:
    """A planted cluster: ``share`` of all requests, near ``target`` (metres).

    ``shape`` is ``disk`` (any address within the radius), ``street`` (only
    addresses on the street of the centre point: a corridor or one arterial).
    """

    id: str
    code: str
    radius_m: float
    start: str
    end: str
    share: float
    target: tuple[float, float]
    shape: str
    note: str


HOTSPOTS = (
    Hotspot("HS1", "GRAFFITI", 350.0, "2024-01-01", "2025-12-31", 0.012, (1500.0, 0.0),
            "street", "graffiti along a downtown corridor"),
    Hotspot("HS2", "ILLEGAL_DUMP", 150.0, "2024-01-01", "2025-12-31", 0.006, (-1800.0, -3200.0),
            "disk", "dumping in an alley"),
    Hotspot("HS3", "POTHOLE", 400.0, "2024-11-01", "2025-03-31", 0.006, (3200.0, -2400.0),
            "street", "potholes on one arterial in the rainy season"),
    Hotspot("HS4", "ENCAMPMENT", 250.0, "2025-04-01", "2025-12-31", 0.006, (-1200.0, 1600.0),
            "disk", "emerging encampment near a park (second year only)"),
    Hotspot("HS5", "STREETLIGHT", 200.0, "2024-06-01", "2024-08-31", 0.003, (2400.0, 3000.0),
            "disk", "streetlights out after wire theft (one summer)"),
)


@dataclass(frozen=True)
class Requests:
    """The request export, its truth table and the planted hot spots."""

    table: pd.DataFrame
    truth: pd.DataFrame
    hotspots: list[dict]
    ward: np.ndarray  # ward of each request's address ("" outside the city)


def build_requests(
    seed: int,
    region: Region,
    book: AddressBook,
    address_ward: np.ndarray,
    aliases: dict[str, list[str]],
    n_requests: int,
) -> Requests:
    """Generate the service requests.

    Parameters
    ----------
    seed : int
        Seed of the demo region.
    region : Region
        The boundaries (distance to the city weights the misrouted requests).
    book : AddressBook
        The address points requests are filed at.
    address_ward : numpy.ndarray
        Ward of every address point ("" outside the city).
    aliases : dict
        ``"NAME SUFFIX"`` of a street to the aliases callers use for it.
    n_requests : int
        Number of requests.

    Returns
    -------
    Requests
        Requests sorted by time, their truth and the hot spots.
    """
    rng = stream(seed, "requests")
    jur = book.table["jurisdiction"].to_numpy()
    city_rows = np.flatnonzero(jur == CITY_ID)
    codes = np.array([s.code for s in CATALOG], dtype=object)

    spots, spot_rows, spot_days, spot_type, spot_id = [], [], [], [], []
    for spot in HOTSPOTS:
        rows, center = _hotspot_rows(rng, book, city_rows, spot)
        k = max(1, round(spot.share * n_requests))
        first = int((np.datetime64(spot.start) - START.astype("datetime64[D]")).astype(int))
        last = int((np.datetime64(spot.end) - START.astype("datetime64[D]")).astype(int))
        days = np.arange(first, last + 1)
        weight = _WEEKDAY[days % 7]  # 2024-01-01 was a Monday
        spot_days.append(rng.choice(days, k, p=weight / weight.sum()))
        spot_rows.append(rng.choice(rows, k))
        spot_type.append(np.full(k, int(np.flatnonzero(codes == spot.code)[0])))
        spot_id.append(np.full(k, spot.id, dtype=object))
        lon, lat = xy_to_lonlat(book.x[center], book.y[center])
        spots.append({
            "id": spot.id, "service_code": spot.code, "lon": round(float(lon), 6),
            "lat": round(float(lat), 6), "radius_m": spot.radius_m, "start": spot.start,
            "end": spot.end, "n_requests": k, "note": spot.note,
        })

    n_background = n_requests - sum(s["n_requests"] for s in spots)
    if n_background < 0:
        raise ValueError("n_requests is too small for the planted hot spots")
    bg_type, bg_day = _background_type_day(rng, n_background)
    bg_rows = _background_rows(rng, region, book, address_ward, city_rows, bg_type, n_requests)

    type_idx = np.concatenate([bg_type, *spot_type])
    day = np.concatenate([bg_day, *spot_days])
    rows = np.concatenate([bg_rows, *spot_rows])
    hotspot = np.concatenate([np.full(n_background, "", dtype=object), *spot_id])
    table, truth, order = _records(rng, book, aliases, codes, type_idx, day, rows, hotspot)
    return Requests(table, truth, spots, address_ward[rows][order])


def _hotspot_rows(
    rng: np.random.Generator, book: AddressBook, city_rows: np.ndarray, spot: Hotspot
) -> tuple[np.ndarray, int]:
    """Address rows of a hot spot (all in the city) and the row at its centre."""
    jitter = rng.uniform(-300.0, 300.0, 2)
    tx, ty = spot.target[0] + jitter[0], spot.target[1] + jitter[1]
    pool = city_rows
    if spot.shape == "street":
        pool = pool[book.arterial[pool]]
    center = pool[np.argmin(np.hypot(book.x[pool] - tx, book.y[pool] - ty))]
    near = city_rows[
        np.hypot(book.x[city_rows] - book.x[center], book.y[city_rows] - book.y[center])
        <= 0.95 * spot.radius_m
    ]
    if spot.shape == "street":
        same = (book.name[near] == book.name[center]) & (book.suffix[near] == book.suffix[center])
        near = near[same]
    if near.size < 5:
        raise RuntimeError(f"hot spot {spot.id} has too few addresses")
    return near, int(center)


def _background_type_day(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Draw (type, day) of background requests from a seasonal, weekly intensity."""
    day = np.arange(DAYS)
    doy = np.where(day >= 366, day - 366, day)  # 2024 is a leap year
    holiday = np.isin(START.astype("datetime64[D]") + day, np.array(_HOLIDAYS, "datetime64[D]"))
    base = _WEEKDAY[day % 7] * (1.0 + 0.06 * day / 365.0) * np.where(holiday, 0.45, 1.0)
    intensity = np.array(
        [
            s.share * (1.0 + s.season[0] * np.cos(2.0 * np.pi * (doy - s.season[1]) / 365.0))
            for s in CATALOG
        ]
    ) * base[None, :]
    counts = rng.multinomial(n, (intensity / intensity.sum()).ravel())
    cell = np.repeat(np.arange(counts.size), counts)
    return cell // DAYS, cell % DAYS


def _background_rows(
    rng: np.random.Generator,
    region: Region,
    book: AddressBook,
    address_ward: np.ndarray,
    city_rows: np.ndarray,
    type_idx: np.ndarray,
    n_requests: int,
) -> np.ndarray:
    """Address row of each background request: misrouted near the city, else by type."""
    rows = np.empty(type_idx.size, dtype=int)
    outside = np.zeros(type_idx.size, dtype=bool)
    outside[rng.choice(type_idx.size, round(OUTSIDE_SHARE * n_requests), replace=False)] = True
    jur = book.table["jurisdiction"].to_numpy()
    out_rows = np.flatnonzero((jur != CITY_ID) & (jur != ""))
    dist = shapely.distance(region.city_outer_m, shapely.points(book.x[out_rows], book.y[out_rows]))
    weight = np.exp(-dist / 700.0)
    rows[outside] = rng.choice(out_rows, outside.sum(), p=weight / weight.sum())

    x, y = book.x[city_rows], book.y[city_rows]
    r = np.hypot(x, y)
    ward = address_ward[city_rows]
    wards = np.unique(ward[ward != ""])
    heavy = rng.choice(wards, 2, replace=False)
    target = np.where(ward == heavy[0], 0.33, np.where(ward == heavy[1], 0.16, 0.0))
    rest = ~np.isin(ward, heavy)
    target[rest] = 0.51 / rest.sum()
    per_ward = pd.Series(ward).map(pd.Series(ward).value_counts()).to_numpy()
    profiles = {
        "flat": np.ones(x.size),
        "downtown": 1.0 + 4.0 * np.exp(-r / 1200.0),
        "arterial": 1.0 + 3.0 * book.arterial[city_rows],
        "outskirts": 0.3 + (r / 4000.0) ** 1.5,
        "south": 1.0 + 2.0 * (y < -1000.0),
        "wards": np.where(rest, target, target / per_ward),
    }
    for t, service in enumerate(CATALOG):
        pick = np.flatnonzero((type_idx == t) & ~outside)
        w = profiles[service.where]
        rows[pick] = rng.choice(city_rows, pick.size, p=w / w.sum())
    return rows


def _records(
    rng: np.random.Generator,
    book: AddressBook,
    aliases: dict[str, list[str]],
    codes: np.ndarray,
    type_idx: np.ndarray,
    day: np.ndarray,
    rows: np.ndarray,
    hotspot: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Times, sources, status, texts and ids; both tables sorted by request time.

    Also returns the sort order (positions of the input rows).
    """
    n = type_idx.size
    weekend = day % 7 >= 5
    source = np.empty(n, dtype=object)
    hour = np.empty(n, dtype=int)
    for is_weekend in (False, True):
        sel = np.flatnonzero(weekend == is_weekend)
        source[sel] = rng.choice(SOURCES, sel.size, p=_SOURCE_MIX[is_weekend])
    night = codes[type_idx] == "NOISE"
    for key in _HOURS:
        sel = np.flatnonzero(night) if key == "night" else np.flatnonzero((source == key) & ~night)
        p = np.asarray(_HOURS[key], dtype=float)
        hour[sel] = rng.choice(24, sel.size, p=p / p.sum())
    seconds = day * 86400 + hour * 3600 + rng.integers(0, 3600, n)
    requested = START + seconds.astype("timedelta64[s]")

    sla = np.array([s.sla_days for s in CATALOG])[type_idx]
    duration = rng.lognormal(np.log(0.5 * sla * 86400.0), 0.8).astype(int) + 600
    closed = requested + duration.astype("timedelta64[s]")
    is_open = (closed >= EXPORT) | (rng.random(n) < 0.02)

    t = book.table.iloc[rows]
    missing = rng.random(n) < pd.Series(source).map(_MISSING_XY).to_numpy()
    texts, perturbation = caller_addresses(
        rng, t["HouseNumber"].to_numpy(), t["Direction"].to_numpy(), book.name[rows],
        book.suffix[rows], t["Unit"].to_numpy(), aliases,
    )
    ids = rng.bytes(16 * n).hex()
    table = pd.DataFrame(
        {
            "service_request_id": [ids[32 * i : 32 * i + 32] for i in range(n)],
            "service_code": codes[type_idx],
            "service_name": np.array([s.name for s in CATALOG], dtype=object)[type_idx],
            "status": np.where(is_open, "open", "closed"),
            "requested_datetime": _iso(requested),
            "closed_datetime": np.where(is_open, "", _iso(closed)),
            "address": texts,
            "zipcode": np.where(rng.random(n) < 0.05, "", t["ZipCode"].to_numpy()),
            "lon": np.where(missing, np.nan, t["Longitude"].to_numpy()),
            "lat": np.where(missing, np.nan, t["Latitude"].to_numpy()),
            "source": source,
            "description": _descriptions(rng, type_idx),
        }
    )
    truth = pd.DataFrame(
        {
            "service_request_id": table["service_request_id"],
            "true_address_id": t["address_id"].to_numpy(),
            "true_address": t["Address"].to_numpy(),
            "perturbation": perturbation,
            "in_city": (t["jurisdiction"] == CITY_ID).to_numpy(),
            "hotspot_id": hotspot,
        }
    )
    order = np.argsort(requested, kind="stable")
    return (
        table.iloc[order].reset_index(drop=True),
        truth.iloc[order].reset_index(drop=True),
        order,
    )


def _iso(times: np.ndarray) -> np.ndarray:
    """ISO 8601 local time with the fixed Pacific Standard Time offset."""
    return np.char.add(np.datetime_as_string(times, unit="s"), UTC_OFFSET).astype(object)


def _descriptions(rng: np.random.Generator, type_idx: np.ndarray) -> np.ndarray:
    """Short caller descriptions: some empty, a few with HTML-looking text."""
    out = np.empty(type_idx.size, dtype=object)
    for t, service in enumerate(CATALOG):
        sel = np.flatnonzero(type_idx == t)
        says = np.asarray(service.says, dtype=object)
        out[sel] = says[rng.integers(0, says.size, sel.size)]
    r = rng.random(type_idx.size)
    out[r < 0.08] = ""
    html = np.flatnonzero(r > 0.997)
    snippets = np.asarray(HTML_SNIPPETS, dtype=object)
    out[html] = snippets[rng.integers(0, snippets.size, html.size)]
    return out
