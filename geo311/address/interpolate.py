"""Address interpolation: along a street centreline, or between known address points.

Pure functions on plain numbers and coordinate arrays. Centreline ranges follow
TIGER/Line: the *from* number sits at the first vertex, the *to* number at the
last, and left/right are relative to the digitized direction. A range end of
``-1`` (or any negative value) means the side has no addresses.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from typing import NamedTuple

import numpy as np

__all__ = [
    "LEFT", "RIGHT", "MeasuredLine", "between_points", "centerline_point", "in_range",
    "measure", "point_along", "side_of",
]

LEFT, RIGHT = 1, -1


def in_range(number: int, start: int, end: int) -> bool:
    """Whether ``number`` lies in the side range ``start..end`` (either order).

    When both ends share a parity (the TIGER norm) the number must have it too;
    a mixed-parity range accepts any number between its ends.

    Examples
    --------
    >>> in_range(105, 101, 199), in_range(104, 101, 199), in_range(104, 100, 199)
    (True, False, True)
    """
    if start < 0 or end < 0:
        return False
    lo, hi = min(start, end), max(start, end)
    if not lo <= number <= hi:
        return False
    return (start - end) % 2 == 1 or (number - start) % 2 == 0


def side_of(number: int, ranges: tuple[int, int, int, int]) -> int | None:
    """Return :data:`LEFT`, :data:`RIGHT` or None for ``(lfrom, lto, rfrom, rto)``."""
    lfrom, lto, rfrom, rto = ranges
    if in_range(number, lfrom, lto):
        return LEFT
    if in_range(number, rfrom, rto):
        return RIGHT
    return None


def point_along(
    coords: np.ndarray | MeasuredLine, fraction: float, offset_m: float = 0.0, side: int = LEFT
) -> tuple[float, float]:
    """Return the point at ``fraction`` (0..1) of a line's length, offset sideways.

    Parameters
    ----------
    coords : (n, 2) array of the line's vertices in a metric CRS, or its :func:`measure`
        (faster when the line places many points; the same floats).
    fraction : position along the line, clipped to 0..1.
    offset_m : perpendicular distance from the line.
    side : :data:`LEFT` or :data:`RIGHT` of the digitized direction.
    """
    if isinstance(coords, MeasuredLine):
        return _point_along_measured(coords, fraction, offset_m, side)
    coords = np.asarray(coords, dtype=float)
    steps = np.diff(coords, axis=0)
    lengths = np.hypot(steps[:, 0], steps[:, 1])
    cumulative = np.concatenate([[0.0], np.cumsum(lengths)])
    target = min(max(fraction, 0.0), 1.0) * cumulative[-1]
    i = min(int(np.searchsorted(cumulative, target, side="right")) - 1, len(lengths) - 1)
    while lengths[i] == 0.0 and i > 0:  # a repeated vertex has no direction
        i -= 1
    t = (target - cumulative[i]) / lengths[i] if lengths[i] else 0.0
    tangent = steps[i] / lengths[i] if lengths[i] else np.zeros(2)
    normal = np.array([-tangent[1], tangent[0]])  # to the left of the direction
    x, y = coords[i] + t * steps[i] + side * offset_m * normal
    return float(x), float(y)


class MeasuredLine(NamedTuple):
    """A line with the measures :func:`point_along` takes of it, as Python floats.

    Made by :func:`measure` once per line, so that placing many points on it costs
    no array operations.
    """

    coords: list[list[float]]
    steps: list[list[float]]
    lengths: list[float]
    cumulative: list[float]


def measure(coords: np.ndarray) -> MeasuredLine:
    """Return the :class:`MeasuredLine` of an (n, 2) array of vertices in a metric CRS.

    The steps, lengths and cumulative lengths are those :func:`point_along`
    computes, by the same array operations, so points placed on the measured line
    are the same floats.
    """
    coords = np.asarray(coords, dtype=float)
    steps = np.diff(coords, axis=0)
    lengths = np.hypot(steps[:, 0], steps[:, 1])
    cumulative = np.concatenate([[0.0], np.cumsum(lengths)])
    return MeasuredLine(coords.tolist(), steps.tolist(), lengths.tolist(), cumulative.tolist())


def _point_along_measured(
    line: MeasuredLine, fraction: float, offset_m: float, side: int
) -> tuple[float, float]:
    """:func:`point_along` on a measured line: each float operation as there, in order."""
    lengths, cumulative = line.lengths, line.cumulative
    if math.isnan(cumulative[-1]):  # numpy orders NaN last, bisect does not: leave it to numpy
        return point_along(np.array(line.coords), fraction, offset_m, side)
    target = min(max(fraction, 0.0), 1.0) * cumulative[-1]
    i = min(bisect_right(cumulative, target) - 1, len(lengths) - 1)
    while lengths[i] == 0.0 and i > 0:
        i -= 1
    length = lengths[i]
    dx, dy = line.steps[i]
    if length:
        t = (target - cumulative[i]) / length
        tx, ty = dx / length, dy / length
    else:
        t, tx, ty = 0.0, 0.0, 0.0
    shift = side * offset_m
    x, y = line.coords[i]
    return x + t * dx + shift * -ty, y + t * dy + shift * tx


def centerline_point(
    coords: np.ndarray | MeasuredLine,
    ranges: tuple[int, int, int, int],
    number: int,
    offset_m: float = 10.0,
) -> tuple[float, float] | None:
    """Return the interpolated location of ``number`` on a centreline segment, or None.

    The number is placed at its fraction of the side range that holds it (parity
    included), ``offset_m`` to that side of the line. None when neither side's
    range holds the number.

    Parameters
    ----------
    coords : (n, 2) array of the segment's vertices in a metric CRS, or its
        :func:`measure` (faster when the segment places many numbers; the same result).
    ranges : ``(lfrom, lto, rfrom, rto)`` house numbers; negative for none.
    number : the house number.
    offset_m : setback from the centreline.
    """
    side = side_of(number, ranges)
    if side is None:
        return None
    start, end = ranges[:2] if side == LEFT else ranges[2:]
    fraction = 0.5 if start == end else (number - start) / (end - start)
    return point_along(coords, fraction, offset_m, side)


def between_points(
    numbers: np.ndarray, coords: np.ndarray, number: int, max_gap: int | None = None
) -> tuple[float, float] | None:
    """Interpolate ``number`` linearly between its two neighbors in ``numbers``.

    Parameters
    ----------
    numbers : sorted, distinct house numbers of one street side (one parity).
    coords : (n, 2) coordinates of those addresses.
    number : the house number to place.
    max_gap : refuse when the neighbors' numbers differ by more (a sparse
        reference says little about where a number lies between far-apart points).

    Returns
    -------
    tuple or None
        The coordinates, or None when ``number`` is listed already, lies
        outside ``numbers[0]..numbers[-1]``, or between neighbors too far apart.
    """
    i = int(np.searchsorted(numbers, number))
    if i == 0 or i >= len(numbers) or numbers[i] == number:
        return None
    lo, hi = int(numbers[i - 1]), int(numbers[i])
    if max_gap is not None and hi - lo > max_gap:
        return None
    t = (number - lo) / (hi - lo)
    x, y = coords[i - 1] + t * (coords[i] - coords[i - 1])
    return float(x), float(y)
