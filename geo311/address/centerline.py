"""Numbers the centreline ranges of a street do not hold: in a gap, or beyond its ends.

A real range layer has gaps: Cambridge's Memorial Dr holds odd numbers 719 and 769-777 on
neighbouring segments, so 767 is on no segment; its ranges also run backwards (from > to)
and switch sides (odd on the right on most streets, on the left on others). The ends of
every side range are *anchors*: a number at a known place, the *from* end at the first
vertex and the *to* end at the last, set off to the range's side. A number in a gap is
placed between the nearest anchors below and above it of its parity (a mixed-parity range
serves both), in proportion; a number past every range is at its nearest anchor.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from geo311.address.interpolate import LEFT, RIGHT, point_along
from geo311.address.reference import AddressReference

__all__ = ["Anchor", "GapPlace", "nearest_anchor", "place_in_gap", "street_anchors"]


class Anchor(NamedTuple):
    """A range end: its number, its place (metric, set off to its side; ``cx, cy`` on the
    centreline), side and ZIP."""

    number: int
    x: float
    y: float
    cx: float
    cy: float
    side: int
    zip: str
    mixed: bool
    """Whether its range holds both parities."""


class GapPlace(NamedTuple):
    """A number placed between two anchors: where (metric), the anchors and their distance."""

    x: float
    y: float
    below: Anchor
    above: Anchor
    span_m: float


def street_anchors(reference: AddressReference, street: int) -> list[Anchor]:
    """The anchors of every side range of ``street``'s segments, sorted by number."""
    ref, offset = reference, reference.centerline_offset_m
    out = []
    for j in ref.segments_of(street):
        coords = ref.segment_coords(j, metric=True)
        ranges = ref.segment_ranges[j].tolist()
        for side, (start, end), zip_code in ((LEFT, ranges[:2], ref.segment_zips[j][0]),
                                             (RIGHT, ranges[2:], ref.segment_zips[j][1])):
            if start < 0 or end < 0:
                continue
            mixed = (start - end) % 2 == 1
            for number, fraction in ((start, 0.0), (end, 1.0)):
                x, y = point_along(coords, fraction, offset, side)
                cx, cy = point_along(coords, fraction)
                out.append(Anchor(number, x, y, cx, cy, side, zip_code, mixed))
    out.sort(key=lambda a: (a.number, a.side, a.x, a.y))
    return out


def _usable(anchor: Anchor, number: int) -> bool:
    return anchor.mixed or (anchor.number - number) % 2 == 0


def place_in_gap(anchors: list[Anchor], number: int) -> GapPlace | None:
    """Place ``number`` between its nearest usable anchors below and above, or None when
    it is not between two (or one of them holds the number itself).

    When the two anchors are on different sides of the street, the place is on the
    centreline (each anchor's set-off taken back).
    """
    below = [a for a in anchors if a.number < number and _usable(a, number)]
    above = [a for a in anchors if a.number > number and _usable(a, number)]
    if not below or not above:
        return None
    top, bottom = max(a.number for a in below), min(a.number for a in above)
    low, high = min(((a, b) for a in below if a.number == top
                     for b in above if b.number == bottom),
                    key=lambda ab: (ab[0].x - ab[1].x) ** 2 + (ab[0].y - ab[1].y) ** 2)
    (x0, y0), (x1, y1) = (low.x, low.y), (high.x, high.y)
    if low.side != high.side:
        (x0, y0), (x1, y1) = (low.cx, low.cy), (high.cx, high.cy)
    t = (number - low.number) / (high.number - low.number)
    span = float(np.hypot(x1 - x0, y1 - y0))
    return GapPlace(x0 + t * (x1 - x0), y0 + t * (y1 - y0), low, high, span)


def nearest_anchor(anchors: list[Anchor], number: int) -> Anchor | None:
    """The anchor nearest ``number`` by number (of its parity first), or None."""
    if not anchors:
        return None
    return min(anchors, key=lambda a: (not _usable(a, number), abs(a.number - number),
                                       a.number))
