"""Address points along the street network.

Lots line both sides of a block (odd numbers on the left of the digitized
direction, even on the right), set back 10-15 m from the centreline. Local
streets of a neighborhood only carry lots on the streets their houses face;
downtown lots are narrow and often hold several units, rural roads only a
farmhouse now and then.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from geo311.demo._boundaries import CITY_ID, Region
from geo311.demo._frame import stream, xy_to_lonlat
from geo311.demo._streets import StreetNetwork

COLUMNS = (
    "address_id", "HouseNumber", "Direction", "StreetName", "Suffix", "Unit", "ZipCode",
    "Longitude", "Latitude", "Address", "jurisdiction",
)
_DOWNTOWN = 1500.0
_TRACT = 800.0


@dataclass(frozen=True)
class AddressBook:
    """Address points: the public ``table`` and internal arrays aligned with its rows.

    ``x``/``y`` are local metres, ``arterial`` tells whether the point's street
    segment is an arterial or collector, ``name`` and ``suffix`` give the street
    name in title case (as TIGER spells it).
    """

    table: pd.DataFrame
    x: np.ndarray
    y: np.ndarray
    arterial: np.ndarray
    name: np.ndarray
    suffix: np.ndarray


def build_addresses(seed: int, region: Region, network: StreetNetwork) -> AddressBook:
    """Place address points on both sides of the street segments.

    Parameters
    ----------
    seed : int
        Seed of the demo region.
    region : Region
        The boundaries, used to stamp each point's jurisdiction.
    network : StreetNetwork
        The street segments and their address ranges.

    Returns
    -------
    AddressBook
        One row per address (one per unit in apartment buildings).
    """
    rng = stream(seed, "addresses")
    seg = network.segments
    geoms = network.geoms_m
    length = shapely.length(geoms)
    mid = shapely.get_coordinates(shapely.line_interpolate_point(geoms, 0.5, normalized=True))
    downtown = np.hypot(mid[:, 0], mid[:, 1]) < _DOWNTOWN
    lot = _lot_width(rng, seg, downtown)
    has_lots = _fronting(rng, seg, geoms, mid)

    setback_end = np.where(seg["cls"].to_numpy() == "court", 6.0, 18.0)
    usable = length - 18.0 - setback_end
    n_lots = np.where(has_lots, np.floor(np.maximum(usable, 0.0) / lot), 0).astype(int)
    # Two sides per segment; Riverside Dr backs onto the river on its right.
    river = (seg["NAME"] == "Riverside").to_numpy()
    side_seg = np.repeat(np.arange(len(seg)), 2)
    side = np.tile([1.0, -1.0], len(seg))
    side_lots = np.repeat(n_lots, 2) * ~(np.repeat(river, 2) & (side < 0))
    idx = np.repeat(np.arange(side_seg.size), side_lots)
    s_idx, s_side = side_seg[idx], side[idx]
    rank = np.arange(idx.size) - np.repeat(np.cumsum(side_lots) - side_lots, side_lots)
    step = usable[s_idx] / n_lots[s_idx]
    t = 18.0 + (rank + 0.5) * step + rng.uniform(-0.15, 0.15, idx.size) * step

    numbers = _house_numbers(seg, s_idx, s_side, t / length[s_idx])
    xy = _offset_points(rng, geoms[s_idx], t, s_side)
    units, repeat = _units(rng, seg, s_idx, downtown)

    dry = ~shapely.contains_xy(region.lake_m, xy[:, 0], xy[:, 1])
    rows = np.repeat(np.arange(idx.size), repeat * dry)
    units = units[np.repeat(dry, repeat)]
    s_idx, s_side = s_idx[rows], s_side[rows]
    x, y, numbers = xy[rows, 0], xy[rows, 1], numbers[rows]
    lon, lat = (np.round(v, 7) for v in xy_to_lonlat(x, y))
    predir = seg["PREDIR"].to_numpy()[s_idx]
    name = seg["NAME"].to_numpy()[s_idx]
    suffix = seg["SUFFIX"].to_numpy()[s_idx]
    street = pd.Series(predir + " " + name + " " + suffix).str.strip().str.upper()
    unit = pd.Series(units)
    address = pd.Series(numbers.astype(str)) + " " + street
    address = address.where(unit == "", address + " " + unit)
    zips = np.where(s_side > 0, seg["ZIPL"].to_numpy()[s_idx], seg["ZIPR"].to_numpy()[s_idx])
    table = pd.DataFrame(
        {
            "address_id": [f"AP{i:06d}" for i in range(1, rows.size + 1)],
            "HouseNumber": numbers,
            "Direction": predir,
            "StreetName": pd.Series(name).str.upper(),
            "Suffix": pd.Series(suffix).str.upper(),
            "Unit": unit,
            "ZipCode": zips,
            "Longitude": lon,
            "Latitude": lat,
            "Address": address,
            "jurisdiction": jurisdiction_of(region, lon, lat),
        }
    )
    arterial = np.isin(seg["cls"].to_numpy()[s_idx], ["arterial", "collector"])
    return AddressBook(table, x, y, arterial, name, suffix)


def jurisdiction_of(region: Region, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Return the city id, the first containing place's slug, or "" for each point."""
    out = np.full(np.shape(lon), "", dtype=object)
    for ident, geom in [(CITY_ID, region.city)] + [(p.slug, p.geom) for p in region.places]:
        shapely.prepare(geom)
        hit = (out == "") & shapely.contains_xy(geom, lon, lat)
        out[hit] = ident
    return out


def _lot_width(rng: np.random.Generator, seg: pd.DataFrame, downtown: np.ndarray) -> np.ndarray:
    """Frontage per lot in metres: narrow downtown, wide on farm roads."""
    n = len(seg)
    lot = rng.uniform(22.0, 32.0, n)
    lot = np.where(downtown, rng.uniform(15.0, 19.0, n), lot)
    lot = np.where(seg["cls"].to_numpy() == "court", rng.uniform(20.0, 26.0, n), lot)
    return np.where(seg["urban"].to_numpy(), lot, rng.uniform(350.0, 800.0, n))


def _fronting(
    rng: np.random.Generator, seg: pd.DataFrame, geoms: np.ndarray, mid: np.ndarray
) -> np.ndarray:
    """Whether a segment has lots: houses of a tract face one grid direction."""
    ends = shapely.get_coordinates(shapely.boundary(geoms)).reshape(-1, 2, 2)
    delta = np.abs(ends[:, 1] - ends[:, 0])
    north_south = delta[:, 1] > delta[:, 0]
    tract = np.floor(mid / _TRACT).astype(int)
    tract -= tract.min(axis=0)
    faces_ns = rng.random(tract.max(axis=0) + 1) < 0.5
    fronts = faces_ns[tract[:, 0], tract[:, 1]] == north_south
    cls = seg["cls"].to_numpy()
    urban = seg["urban"].to_numpy()
    through = np.isin(cls, ["arterial", "collector", "court"])
    keep = rng.random(len(seg)) < np.where(urban, 0.88, 0.5)
    return keep & (through | fronts | ~urban)


def _house_numbers(
    seg: pd.DataFrame, s_idx: np.ndarray, side: np.ndarray, frac: np.ndarray
) -> np.ndarray:
    """House numbers proportional to the position along the block, odd left, even right."""
    u0, u1 = seg["u0"].to_numpy()[s_idx], seg["u1"].to_numpy()[s_idx]
    u = u0 + (u1 - u0) * frac
    left = side > 0
    number = np.where(left, 2 * np.floor((u - 1.0) / 2.0) + 1, 2 * np.floor(u / 2.0))
    lo = np.where(left, seg["LFROMADD"].to_numpy()[s_idx], seg["RFROMADD"].to_numpy()[s_idx])
    hi = np.where(left, seg["LTOADD"].to_numpy()[s_idx], seg["RTOADD"].to_numpy()[s_idx])
    return np.clip(number, lo, hi).astype(int)


def _offset_points(
    rng: np.random.Generator, lines: np.ndarray, t: np.ndarray, side: np.ndarray
) -> np.ndarray:
    """Points ``t`` metres along ``lines``, 10-15 m to the left (side 1) or right (-1)."""
    at = shapely.get_coordinates(shapely.line_interpolate_point(lines, t))
    ahead = shapely.get_coordinates(shapely.line_interpolate_point(lines, t + 1.0))
    behind = shapely.get_coordinates(shapely.line_interpolate_point(lines, t - 1.0))
    tangent = ahead - behind
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    left = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    offset = rng.uniform(10.0, 15.0, t.size) * side
    return at + offset[:, None] * left


def _units(
    rng: np.random.Generator, seg: pd.DataFrame, s_idx: np.ndarray, downtown: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Unit labels of every address row and how many rows each lot becomes."""
    cls = seg["cls"].to_numpy()[s_idx]
    busy = np.isin(cls, ["arterial", "collector"])
    p = np.where(downtown[s_idx], 0.06, np.where(busy, 0.01, 0.002))
    p = np.where(seg["urban"].to_numpy()[s_idx], p, 0.0)
    multi = rng.random(s_idx.size) < p
    count = np.where(multi, rng.integers(2, 9, s_idx.size), 1)
    style = rng.choice(3, s_idx.size, p=[0.6, 0.25, 0.15])  # APT n, UNIT A, STE n00
    style = np.where(busy, style, np.minimum(style, 1))
    lot = np.repeat(np.arange(s_idx.size), count)
    k = np.arange(lot.size) - np.repeat(np.cumsum(count) - count, count)
    labels = np.array(
        [
            (f"APT {i + 1}", f"UNIT {chr(65 + i)}", f"STE {i + 1}00")[s]
            for i, s in zip(k, style[lot], strict=True)
        ],
        dtype=object,
    )
    labels[~multi[lot]] = ""
    return labels, count
