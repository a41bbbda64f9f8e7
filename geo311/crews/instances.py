"""Published routing instances (TSPLIB, VRPLIB, Solomon) as :class:`~geo311.crews.solvers.Problem`.

So that anyone can check the solvers against published optima, each instance is
costed in its own convention:

- TSPLIB ``.tsp``: ``EUC_2D`` (nearest integer), ``CEIL_2D``, ``ATT`` (pseudo-Euclidean)
  and ``GEO`` (TSPLIB's idealized sphere), or an ``EXPLICIT`` matrix
  (``FULL_MATRIX``, ``LOWER_DIAG_ROW``, ``UPPER_ROW`` ...), as TSPLIB's documentation
  defines them;
- VRPLIB ``.vrp`` without time windows (CVRP): TSPLIB's rounded ``EUC_2D``;
- VRPLIB with time windows and Solomon ``.txt`` (VRPTW): the unrounded Euclidean
  distance, with travel time equal to distance (Solomon's convention).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from geo311.crews.solvers import Problem, VehicleGroup
from geo311.errors import InputError

__all__ = ["Instance", "edge_weights", "read_instance"]

_PI = 3.141592
_RRR = 6378.388


@dataclass
class Instance:
    """A published instance: its name, kind (TSP, CVRP, VRPTW) and matrix problem.

    ``node_ids`` are the instance's own node numbers, by location index.
    """

    name: str
    kind: str
    problem: Problem
    node_ids: np.ndarray


def _geo_radians(coords: np.ndarray) -> np.ndarray:
    degrees = np.trunc(coords)
    minutes = coords - degrees
    return _PI * (degrees + 5.0 * minutes / 3.0) / 180.0


def edge_weights(coords: np.ndarray, kind: str) -> np.ndarray:
    """The full matrix of TSPLIB edge-weight type ``kind`` (``EUC_2D``, ``CEIL_2D``, ``ATT``,
    ``GEO``, or ``EXACT`` for the unrounded Euclidean distance) between ``coords``."""
    xy = np.asarray(coords, dtype=float)
    dx = xy[:, None, 0] - xy[None, :, 0]
    dy = xy[:, None, 1] - xy[None, :, 1]
    if kind == "EXACT":
        return np.hypot(dx, dy)
    if kind == "EUC_2D":
        return np.floor(np.hypot(dx, dy) + 0.5)
    if kind == "CEIL_2D":
        return np.ceil(np.hypot(dx, dy))
    if kind == "ATT":
        r = np.sqrt((dx * dx + dy * dy) / 10.0)
        t = np.floor(r + 0.5)
        return np.where(t < r, t + 1, t)
    if kind == "GEO":
        lat, lon = _geo_radians(xy[:, 0]), _geo_radians(xy[:, 1])
        q1 = np.cos(lon[:, None] - lon[None, :])
        q2 = np.cos(lat[:, None] - lat[None, :])
        q3 = np.cos(lat[:, None] + lat[None, :])
        d = np.floor(_RRR * np.arccos(np.clip(0.5 * ((1 + q1) * q2 - (1 - q1) * q3), -1, 1))
                     + 1.0)
        np.fill_diagonal(d, 0)
        return d
    raise InputError(f"edge weight type {kind!r} is not supported (EUC_2D, CEIL_2D, ATT, GEO, "
                     "EXPLICIT)", edge_weight_type=kind)


def _explicit(text: str, n: int, fmt: str) -> np.ndarray:
    section = re.search(r"EDGE_WEIGHT_SECTION\s*(.*?)(?:\n\s*[A-Z_]+_SECTION|\n\s*EOF|\Z)",
                        text, re.S)
    if section is None:
        raise InputError("EXPLICIT weights without an EDGE_WEIGHT_SECTION")
    values = np.array(section.group(1).split(), dtype=float)
    matrix = np.zeros((n, n))
    rows, cols = {
        "FULL_MATRIX": lambda: np.indices((n, n)).reshape(2, -1),
        "LOWER_DIAG_ROW": lambda: np.tril_indices(n),
        "UPPER_DIAG_ROW": lambda: np.triu_indices(n),
        "LOWER_ROW": lambda: np.tril_indices(n, -1),
        "UPPER_ROW": lambda: np.triu_indices(n, 1),
    }.get(fmt, lambda: (None, None))()
    if rows is None:
        raise InputError(f"EDGE_WEIGHT_FORMAT {fmt!r} is not supported", format=fmt)
    if len(values) != len(rows):
        raise InputError(f"EDGE_WEIGHT_SECTION has {len(values)} numbers, {fmt} of {n} nodes "
                         f"needs {len(rows)}")
    matrix[rows, cols] = values  # numpy's triangle indices are row-major, as TSPLIB's
    if fmt != "FULL_MATRIX":
        matrix = np.maximum(matrix, matrix.T)
    return matrix


def _header(text: str, key: str) -> str | None:
    match = re.search(rf"^\s*{key}\s*:\s*(.+?)\s*$", text, re.M)
    return match.group(1) if match else None


def read_instance(path: str | Path) -> Instance:
    """Read a TSPLIB ``.tsp``, VRPLIB ``.vrp`` or Solomon ``.txt`` instance.

    Raises
    ------
    InputError
        If the file cannot be read or uses a convention this reader does not know.
    """
    import vrplib

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="strict")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the instance: {exc}", file=str(path)) from exc
    solomon = _header(text, "NAME") is None and re.search(r"^\s*VEHICLE\s*$", text, re.M)
    try:
        if solomon:
            data = vrplib.read_instance(path, instance_format="solomon")
        elif _header(text, "EDGE_WEIGHT_TYPE") == "EXPLICIT":
            data = {"name": _header(text, "NAME"), "type": _header(text, "TYPE") or "TSP",
                    "dimension": int(_header(text, "DIMENSION") or 0)}
        else:
            data = vrplib.read_instance(path, compute_edge_weights=False)
    except (ValueError, IndexError, KeyError, RuntimeError) as exc:
        raise InputError(f"{path}: not a TSPLIB, VRPLIB or Solomon instance: {exc}",
                         file=str(path)) from exc
    name = str(data.get("name") or path.stem)
    if solomon or "time_window" in data:
        return _vrptw(name, data, first_id=0 if solomon else 1)
    kind = str(data.get("type", "TSP")).upper()
    if _header(text, "EDGE_WEIGHT_TYPE") == "EXPLICIT":
        n = int(data["dimension"])
        cost = _explicit(text, n, (_header(text, "EDGE_WEIGHT_FORMAT") or "").strip())
        coords = None
    else:
        coords = np.asarray(data.get("node_coord"), dtype=float)
        if coords.ndim != 2 or len(coords) < 2:
            raise InputError(f"{path}: no NODE_COORD_SECTION", file=str(path))
        cost = edge_weights(coords, str(data.get("edge_weight_type", "EUC_2D")))
    n = len(cost)
    ids = np.arange(1, n + 1)
    if kind == "TSP":
        problem = Problem(cost, cost, np.arange(1, n), [VehicleGroup(0, 0)], scale=1.0,
                          coords=coords)
        return Instance(name, "TSP", problem, ids)
    if kind == "CVRP":
        depot = int(np.atleast_1d(data.get("depot", [0]))[0])
        demand = np.asarray(data["demand"], dtype=float)
        clients = np.setdiff1d(np.arange(n), [depot])
        vehicles = [VehicleGroup(depot, depot, count=int(data.get("vehicles", len(clients))),
                                 capacity=float(data["capacity"]))]
        problem = Problem(cost, cost, clients, vehicles, demand=demand[clients], scale=1.0,
                          coords=coords)
        return Instance(name, "CVRP", problem, ids)
    raise InputError(f"{path}: instance type {kind!r} is not supported (TSP, CVRP, VRPTW)",
                     file=str(path))


def _vrptw(name: str, data: dict, first_id: int) -> Instance:
    coords = np.asarray(data["node_coord"], dtype=float)
    cost = edge_weights(coords, "EXACT")
    n = len(coords)
    windows = np.asarray(data["time_window"], dtype=float)
    service = np.broadcast_to(np.asarray(data.get("service_time", 0), dtype=float), (n,))
    depot = int(np.atleast_1d(data.get("depot", [0]))[0])
    clients = np.setdiff1d(np.arange(n), [depot])
    vehicles = int(np.atleast_1d(data.get("vehicles", len(clients)))[0])
    capacity = float(np.atleast_1d(data["capacity"])[0])
    problem = Problem(
        cost, cost, clients,
        [VehicleGroup(depot, depot, count=vehicles, tw_early=windows[depot, 0],
                      tw_late=windows[depot, 1], capacity=capacity)],
        service=service[clients].copy(), tw_early=windows[clients, 0],
        tw_late=windows[clients, 1], demand=np.asarray(data["demand"], float)[clients],
        scale=1000.0, coords=coords)
    return Instance(name, "VRPTW", problem, np.arange(n) + first_id)
