"""Repeat reports: the same problem reported again by other callers.

"Fifteen people called about a flashing red light": a share of the background
requests of each type becomes a re-report of an earlier one of the same type that is
still open: filed minutes to a few days later (before the original closes, and closed
with it), from an address within tens of metres of it, by another caller (their own
wording, source and typing). Only in-city background requests are turned into repeats,
one for one, so the counts per type, the share outside the city and the planted hot
spots stay as they were. The truth gains ``problem_id``: the id of the first report of
the problem (a request's own id when nobody repeated it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geo311.demo._addresses import AddressBook
from geo311.demo._boundaries import CITY_ID
from geo311.demo._catalog import CATALOG
from geo311.demo._frame import stream
from geo311.demo._perturb import caller_addresses
from geo311.demo._service_requests import _MISSING_XY, EXPORT, UTC_OFFSET, Requests

#: Share of a type's in-city background requests that re-report an earlier one, the mean
#: number of repeats of a repeated problem, and the distance scale (metres) of the
#: callers' addresses around the problem.
REPEATS: dict[str, tuple[float, float, float]] = {
    "BULKY": (0.02, 1.1, 12.0),
    "GRAFFITI": (0.06, 1.2, 20.0),
    "ILLEGAL_DUMP": (0.12, 1.3, 20.0),
    "ABANDONED_VEH": (0.10, 1.3, 15.0),
    "POTHOLE": (0.15, 1.5, 25.0),
    "STREETLIGHT": (0.18, 1.6, 25.0),
    "ENCAMPMENT": (0.15, 1.6, 35.0),
    "NOISE": (0.10, 1.5, 30.0),
    "DEAD_ANIMAL": (0.10, 1.2, 15.0),
    "TREE": (0.08, 1.2, 15.0),
    "SIDEWALK": (0.04, 1.1, 15.0),
    "WEEDS": (0.05, 1.1, 20.0),
    "EXT_NUISANCE": (0.05, 1.2, 12.0),
    "WATER_LEAK": (0.25, 2.0, 30.0),
    "TRAFFIC_SIGNAL": (0.40, 4.0, 35.0),
    "STORM_DRAIN": (0.15, 1.5, 25.0),
}
_MAX_DISTANCE_M = 90.0
_MIN_DELAY_S = 300
_MAX_DELAY_S = 6 * 86_400


def add_repeats(seed: int, book: AddressBook, address_ward: np.ndarray,
                aliases: dict[str, list[str]], requests: Requests) -> Requests:
    """Return ``requests`` with some background requests turned into repeat reports.

    Draws from its own stream (``repeats``): the other requests keep every byte.
    """
    rng = stream(seed, "repeats")
    table, truth = requests.table.copy(), requests.truth.copy()
    ward = requests.ward.copy()
    n = len(table)
    row_of = pd.Series(np.arange(len(book.table)), index=book.table["address_id"].to_numpy())
    address = row_of.reindex(truth["true_address_id"].to_numpy()).to_numpy()
    requested = _times(table["requested_datetime"])
    closed = _times(table["closed_datetime"])
    codes = table["service_code"].to_numpy()
    background = ((truth["hotspot_id"] == "") & truth["in_city"]).to_numpy(bool)
    city_rows = np.flatnonzero(book.table["jurisdiction"].to_numpy() == CITY_ID)
    tree = cKDTree(np.column_stack([book.x[city_rows], book.y[city_rows]]))

    parent_of = np.full(n, -1)
    for service in CATALOG:
        share, mean, _ = REPEATS[service.code]
        pool = rng.permutation(np.flatnonzero(background & (codes == service.code)))
        wanted, used, slots = round(share * pool.size), 0, 0
        parents: list[tuple[int, int]] = []
        while slots < wanted and used + slots < pool.size:
            kids = int(min(rng.geometric(1.0 / mean), wanted - slots))
            parents.append((int(pool[used]), kids))
            used, slots = used + 1, slots + kids
        free = iter(pool[used:].tolist())
        for parent, kids in parents:
            for _ in range(kids):
                child = next(free, None)
                if child is not None:
                    parent_of[child] = parent

    children = np.flatnonzero(parent_of >= 0)
    parents = parent_of[children]
    delay = np.clip(rng.lognormal(np.log(0.8 * 86_400.0), 0.9, children.size),
                    _MIN_DELAY_S, _MAX_DELAY_S)
    ended = closed[parents]
    life = np.where(np.isnat(ended), np.inf,
                    (ended - requested[parents]) / np.timedelta64(1, "s"))
    delay = np.minimum(delay, 0.9 * life)
    when = requested[parents] + delay.astype("timedelta64[s]")
    keep = (delay >= _MIN_DELAY_S) & (when < EXPORT)
    children, parents, when = children[keep], parents[keep], when[keep]

    scale = np.array([REPEATS[c][2] for c in codes[parents]])
    spot = np.empty(children.size, dtype=int)
    for i, parent in enumerate(parents.tolist()):
        origin = (book.x[address[parent]], book.y[address[parent]])
        near = np.asarray(tree.query_ball_point(origin, _MAX_DISTANCE_M), dtype=int)
        near = np.sort(city_rows[near])
        dist = np.hypot(book.x[near] - origin[0], book.y[near] - origin[1])
        weight = np.exp(-dist / scale[i])
        spot[i] = rng.choice(near, p=weight / weight.sum())

    t = book.table.iloc[spot]
    texts, perturbation = caller_addresses(
        rng, t["HouseNumber"].to_numpy(), t["Direction"].to_numpy(), book.name[spot],
        book.suffix[spot], t["Unit"].to_numpy(), aliases)
    source = table["source"].to_numpy()[children]
    missing = rng.random(children.size) < pd.Series(source).map(_MISSING_XY).to_numpy()
    blank_zip = rng.random(children.size) < 0.05
    table.loc[children, "service_code"] = codes[parents]
    table.loc[children, "service_name"] = table["service_name"].to_numpy()[parents]
    table.loc[children, "requested_datetime"] = _iso(when)
    table.loc[children, "status"] = table["status"].to_numpy()[parents]
    table.loc[children, "closed_datetime"] = table["closed_datetime"].to_numpy()[parents]
    table.loc[children, "address"] = np.asarray(texts, dtype=object)
    table.loc[children, "zipcode"] = np.where(blank_zip, "", t["ZipCode"].to_numpy())
    table.loc[children, "lon"] = np.where(missing, np.nan, t["Longitude"].to_numpy())
    table.loc[children, "lat"] = np.where(missing, np.nan, t["Latitude"].to_numpy())
    table.loc[children, "description"] = _wording(rng, codes[parents],
                                                  table["description"].to_numpy()[parents])
    truth.loc[children, "true_address_id"] = t["address_id"].to_numpy()
    truth.loc[children, "true_address"] = t["Address"].to_numpy()
    truth.loc[children, "perturbation"] = perturbation
    ward[children] = address_ward[spot]
    problem = table["service_request_id"].to_numpy().copy()
    problem[children] = problem[parents]
    truth["problem_id"] = problem

    order = np.argsort(_times(table["requested_datetime"]), kind="stable")
    return Requests(table.iloc[order].reset_index(drop=True),
                    truth.iloc[order].reset_index(drop=True), requests.hotspots, ward[order])


def _times(texts: pd.Series) -> np.ndarray:
    """Local times of ISO texts with the fixed offset (NaT where empty)."""
    values = texts.fillna("").astype(str).str[:19].replace("", "NaT")
    return values.to_numpy().astype("datetime64[s]")


def _iso(times: np.ndarray) -> np.ndarray:
    return np.char.add(np.datetime_as_string(times, unit="s"), UTC_OFFSET).astype(object)


def _wording(rng: np.random.Generator, codes: np.ndarray, said: np.ndarray) -> np.ndarray:
    """Another caller's description: a different phrase of the type's, some empty."""
    says = {s.code: s.says for s in CATALOG}
    out = np.empty(codes.size, dtype=object)
    for i, (code, before) in enumerate(zip(codes.tolist(), said.tolist(), strict=True)):
        other = [s for s in says[code] if s != before] or list(says[code])
        out[i] = other[int(rng.integers(0, len(other)))]
    out[rng.random(codes.size) < 0.08] = ""
    return out
