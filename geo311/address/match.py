"""Match parsed addresses against an :class:`~geo311.address.reference.AddressReference`.

The cascade, best first: the address point itself (unit equal) -> the address
point ignoring the unit -> interpolation along the street centreline on the
side and parity of the number -> interpolation between the nearest known
same-parity points of the street -> the street only (the number does not
exist; the nearest numbers are suggested) -> a fuzzy street name -> not found.

A street is looked up by name (aliases included) and every street of that name
is ranked: a missing or different directional or suffix costs score, and so
does a number that does not exist on it, so "50 2nd Ave" finds the 2nd Aves on
which 50 exists. Every candidate carries the reason it differs from the input.
A clean address takes one dict lookup.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

import numpy as np
import shapely
from pyproj import CRS, Transformer
from rapidfuzz import process
from rapidfuzz.distance import OSA
from scipy.spatial import cKDTree

from geo311.address.centerline import Anchor, nearest_anchor, place_in_gap, street_anchors
from geo311.address.interpolate import MeasuredLine, between_points, centerline_point, measure
from geo311.address.intersections import StreetNetwork, cross_point_lines
from geo311.address.normalize import Street, format_line
from geo311.address.parse import AddressKind, ParsedAddress
from geo311.address.reference import AddressReference
from geo311.errors import NotFoundError

__all__ = ["PLACED", "STREET_LEVEL", "TIE", "ZIP_PENALTY", "Candidate", "MatchResult",
           "MatchType", "Matcher", "is_swap"]


class MatchType(StrEnum):
    """How a candidate was found, best first."""

    EXACT = "exact"  # address point, unit equal (or no unit asked / none stored)
    EXACT_IGNORING_UNIT = "exact_ignoring_unit"
    CENTERLINE = "centerline_interpolated"
    POINT_INTERPOLATED = "point_interpolated"
    STREET_INTERPOLATED = "street_interpolated"  # between far-apart points of the street
    STREET_ONLY = "street_only"  # the street exists, the number does not: its nearest point
    FUZZY = "fuzzy_street"
    INTERSECTION = "intersection"
    NOT_FOUND = "not_found"


@dataclass
class Candidate:
    """One possible reading of the input, located."""

    address: str
    street: Street
    number: int | None
    zip: str | None
    lon: float | None
    lat: float | None
    match_type: MatchType
    score: float
    reason: str | None
    precision_m: float | None = None
    """How far the true place may be from ``lon``/``lat``: a radius in metres."""
    zips: frozenset[str] = frozenset()
    """The ZIP codes this candidate can have (its point's, its neighbors', its street's)."""
    spread: np.ndarray | None = None
    """Where the place may be, for a street-level candidate: lon/lat samples."""


@dataclass
class MatchResult:
    """The outcome of :meth:`Matcher.match`: the best candidate and ranked suggestions."""

    parsed: ParsedAddress
    match_type: MatchType
    best: Candidate | None
    suggestions: list[Candidate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ambiguous: bool | None = None
    """Set when the matcher decided whether the answer is ambiguous (a given form against a
    swapped one, or streets located as well as each other); None leaves it to the scores."""


# How much each way of locating a number is worth (times the street's score).
_WEIGHT = {
    MatchType.EXACT: 1.0,
    MatchType.EXACT_IGNORING_UNIT: 0.97,
    MatchType.CENTERLINE: 0.9,
    MatchType.POINT_INTERPOLATED: 0.85,
    MatchType.STREET_INTERPOLATED: 1.0,  # times _span_weight
    MatchType.STREET_ONLY: 0.3,  # times _gap_weight
    MatchType.INTERSECTION: 1.0,
}
_FUZZY_LIMIT = 10
_DIGITS = re.compile(r"\d+")
_FUZZY_MIN = 0.75  # normalized OSA similarity, unless the names differ by one edit
# Interpolate between known points only when they are close in number and on the ground:
# a sparse reference (e.g. addresses seen in past requests) says little about the gaps.
# Beyond these the number is still placed between its neighbors, as a street-level answer
# (STREET_INTERPOLATED) whose precision grows with the span.
_MAX_INTERPOLATION_GAP = 200
_MAX_INTERPOLATION_SPAN_M = 400.0
TIE = 0.01
"""A runner-up for another address within this of the best score makes the answer ambiguous
("130 24th St" where both N and S 24th St have a 130): the caller is asked, not guessed for."""
ZIP_PENALTY = 0.6
"""A ZIP given with the address that none of a candidate's ZIPs is multiplies its score so."""
# How far a located number may be from its place (metres): a point of the reference; a
# centreline interpolation; an interpolation, plus this share of its neighbors' distance; the
# nearest known number, plus this many metres per house number of difference.
_POINT_PRECISION_M = 5.0
_CENTERLINE_PRECISION_M = 25.0
# A number on a side whose range is empty but for the city's "potential" range (the numbers
# the block could have): placed the same way, trusted less.
_POTENTIAL_PRECISION_M = 40.0
_POTENTIAL_WEIGHT = 0.9
_INTERPOLATION_PRECISION_M = 10.0
_INTERPOLATION_SHARE = 0.15
_NEAREST_PRECISION_M = 30.0
_METRES_PER_NUMBER = 2.5
# A number past a street's known numbers is placed at most this many numbers beyond the far
# end of the street (a new building there); past that, anywhere on the street.
_PLAUSIBLE_GAP = 200
# A number in a gap of the centreline ranges: plus this many metres per number the gap
# spans (the numbers missing may sit anywhere around the range ends).
_METRES_PER_GAP_NUMBER = 1.0
# The share of street-level answers within 50 m of the city's own point, by the span of an
# interpolation and by the difference to the nearest known number (LA 2017, leave one day
# out: bench/report_addresses_la.py): what their scores are.
_SPAN_WEIGHTS = ((1000.0, 0.75), (3000.0, 0.65), (math.inf, 0.33))
_GAP_WEIGHTS = ((10, 2.9), (100, 0.5), (math.inf, 0.03))
_SPREAD_POINTS = 9
"""Samples of a street-level candidate's spread (for its district candidates)."""
_SWAPS = frozenset({"directional differs", "directional not on this street", "suffix differs",
                    "suffix not on this street"})
"""Reasons that contradict a directional or suffix the caller gave: a swap, not a fill-in."""
PLACED = frozenset({MatchType.EXACT, MatchType.EXACT_IGNORING_UNIT, MatchType.CENTERLINE,
                    MatchType.POINT_INTERPOLATED})
"""Match types that place the number itself on its street."""
STREET_LEVEL = frozenset({MatchType.STREET_INTERPOLATED, MatchType.STREET_ONLY})
"""Match types that locate the street, not the number: an approximate place."""


class _Hit(NamedTuple):
    """A street that may be the one asked for, with its score and why it differs."""

    street: int
    score: float
    reasons: tuple[str, ...]
    fuzzy: bool


def _number_text(number: int, suffix: str) -> str:
    return f"{number} {suffix}" if "/" in suffix else f"{number}{suffix}"


def _unit_id(unit: str) -> str:
    """The identifier of a normalized unit: "APT 4" -> "4", "# 4" -> "4", "REAR" -> "REAR"."""
    return unit.rsplit(" ", 1)[-1]


def _unit_last(reason: str) -> bool:
    return reason.startswith("unit")


def _numbers(name: str) -> list[str]:
    """The digit runs of a street name: "W 22ND" -> ["22"], "AVENUE 58" -> ["58"]."""
    return _DIGITS.findall(name)


def _fuzzy_names(query: str, names: list[str]) -> list[tuple[str, float, str]]:
    """Street names close to ``query``: ``(name, score, reason)``, best first.

    Guards against absurd matches: a similarity of at least 0.75 (or a single
    edit), the same numbers in numbered streets ("5TH" never becomes "15TH",
    "AVENUE 58" never "AVENUE 580"), the same first letter unless one keyboard slip explains
    the difference, and a penalty for a different length.
    """
    out = []
    found = process.extract(query, names, scorer=OSA.normalized_similarity,
                            limit=_FUZZY_LIMIT, score_cutoff=0.5)
    for name, similarity, _ in found:
        if name == query:
            continue
        distance = OSA.distance(query, name)
        one_slip = distance == 1 and len(query) >= 3
        if not (one_slip or similarity >= _FUZZY_MIN):
            continue
        if _numbers(query) != _numbers(name):
            continue
        if query[0] != name[0] and not (one_slip and len(query) >= 4):
            continue
        score = similarity * (1.0 - 0.3 * abs(len(query) - len(name)) / max(len(query), len(name)))
        out.append((name, score, "one-letter typo" if one_slip else "spelling differs"))
    out.sort(key=lambda item: -item[1])
    return out


def _compare(asked: Street, street: Street) -> tuple[float, list[str]]:
    """Score penalty and reasons for the directionals and suffix of ``asked`` vs ``street``."""
    penalty, reasons = 0.0, []
    dirs, have = (asked.predir, asked.postdir), (street.predir, street.postdir)
    if dirs != have:
        given, known = {d for d in dirs if d}, {d for d in have if d}
        if not given:
            penalty, reason = 0.05, "directional missing"
        elif given == known:
            penalty, reason = 0.02, "directional moved"
        elif not known:
            penalty, reason = 0.1, "directional not on this street"
        else:
            penalty, reason = 0.2, "directional differs"
        reasons.append(reason)
    if asked.suffix != street.suffix:
        if asked.suffix is None:
            penalty, reason = penalty + 0.05, "suffix missing"
        elif street.suffix is None:
            penalty, reason = penalty + 0.1, "suffix not on this street"
        else:
            penalty, reason = penalty + 0.15, "suffix differs"
        reasons.append(reason)
    return penalty, reasons


class Matcher:
    """Match parsed addresses against a reference; build once, call often."""

    def __init__(self, reference: AddressReference) -> None:
        self.reference = reference
        ref = reference
        self._ranges = [tuple(r) for r in ref.segment_ranges.tolist()]
        # text columns of the points as lists: reading rows one by one is faster from a list
        self._point_suffix = ref.point_number_suffix.tolist()
        self._point_unit = ref.point_unit.tolist()
        self._point_zip = ref.point_zip.tolist()
        self._sides: dict[int, list[tuple]] = {}
        self._street_anchors: dict[int, list[Anchor]] = {}
        self._lines: dict[int, MeasuredLine] = {}
        self._alias_by_name: dict[str, set[tuple[str, str | None]]] = {}
        for (name, _), target in ref.aliases.items():
            self._alias_by_name.setdefault(name, set()).add(target)
        metric = CRS.from_wkt(ref.metric_crs)
        self._to_metric = Transformer.from_crs("EPSG:4326", metric, always_xy=True)
        self._to_lonlat = Transformer.from_crs(metric, "EPSG:4326", always_xy=True)
        self._fuzzy_cache: dict[str, list[tuple[str, float, str]]] = {}
        self._street_network: StreetNetwork | None = None
        self._tree: cKDTree | None = None
        # the corners of the box of the city's address points: no street of points reaches
        # beyond them (a street of points is known only where its points are)
        lonlat = ref.point_lonlat.reshape(-1, 2)
        low, high = (lonlat.min(axis=0), lonlat.max(axis=0)) if len(lonlat) else (None, None)
        self._extent = (np.empty((0, 2)) if low is None else
                        np.array([low, high, [low[0], high[1]], [high[0], low[1]]]))

    # ------------------------------------------------------------------ public

    def match(self, parsed: ParsedAddress, limit: int = 5) -> MatchResult:
        """Return the best candidate for ``parsed`` and up to ``limit`` ranked suggestions."""
        street = parsed.street
        if parsed.kind == AddressKind.INTERSECTION:
            return self._intersection(parsed, limit)
        if parsed.kind == AddressKind.PO_BOX or street is None:
            note = "po_box" if parsed.kind == AddressKind.PO_BOX else "no_street"
            return MatchResult(parsed, MatchType.NOT_FOUND, None, [], [note])
        ref = self.reference
        known: dict[_Hit, Candidate] = {}
        if parsed.number is not None:
            sid = ref.street_ids.get((street.predir, street.name, street.suffix, street.postdir))
            span = None if sid is None else ref.number_spans.get((sid, parsed.number))
            if span is not None:
                hit = _Hit(sid, 1.0, (), False)  # the street as asked: first of the direct hits
                best = known[hit] = self._at_point(hit, span, parsed)
                if best.match_type is MatchType.EXACT and best.reason is None:
                    return MatchResult(parsed, MatchType.EXACT, best, [best], [])
        return self._cascade(parsed, street, limit, known)

    def reverse(self, lon: float, lat: float) -> tuple[str, float]:
        """Return the nearest reference address to ``(lon, lat)`` and its distance in metres."""
        ref = self.reference
        if not len(ref.point_number):
            raise NotFoundError("the address reference has no address points")
        if self._tree is None:
            self._tree = cKDTree(ref.point_xy)
        distance, row = self._tree.query(self._to_metric.transform(lon, lat))
        row = int(row)
        unit = ref.point_unit[row] or None
        number = _number_text(int(ref.point_number[row]), ref.point_number_suffix[row])
        line = format_line(number, ref.streets[int(ref.point_street[row])], unit)
        return line, float(distance)

    # ------------------------------------------------------------ street lookup

    def _hits(self, street: Street, name: str, suffix: str | None, base: float,
              reasons: tuple[str, ...], fuzzy: bool) -> list[_Hit]:
        """The streets called ``name``, scored against the directionals/suffix asked for."""
        ref = self.reference
        asked = Street(street.predir, name, suffix, street.postdir)
        hits = []
        for sid in ref.streets_by_name.get(name, ()):
            penalty, why = _compare(asked, ref.streets[sid])
            hits.append(_Hit(sid, max(base - penalty, 0.01), reasons + tuple(why), fuzzy))
        return hits

    def _direct_hits(self, street: Street) -> list[_Hit]:
        """Streets of the name asked for, and of the streets it is an alias of."""
        hits = self._hits(street, street.name, street.suffix, 1.0, (), False)
        exact = self.reference.aliases.get((street.name, street.suffix))
        targets = {exact} if exact else self._alias_by_name.get(street.name, set())
        for name, suffix in sorted(targets, key=str):
            alias_suffix = suffix if exact else street.suffix
            reason = (f"alias of {name} {suffix or ''}".rstrip(),)
            hits += self._hits(street, name, alias_suffix, 0.98, reason, False)
        return hits

    def _fuzzy_hits(self, street: Street) -> list[_Hit]:
        """Streets whose names are close to the name asked for."""
        found = self._fuzzy_cache.get(street.name)
        if found is None:
            found = _fuzzy_names(street.name, self.reference.names)
            self._fuzzy_cache[street.name] = found
        hits: list[_Hit] = []
        for name, score, reason in found:
            hits += self._hits(street, name, street.suffix, score, (reason,), True)
        return hits

    # --------------------------------------------------------------- the cascade

    def _cascade(self, parsed: ParsedAddress, street: Street, limit: int,
                 known: dict[_Hit, Candidate]) -> MatchResult:
        """The cascade; ``known`` holds candidates already made for some hits.

        A directional or suffix the caller gave is evidence: the streets that have it (the
        given form) are answered first, wherever they place the number; a swapped form is a
        suggestion, the answer only when no street has the given form, when the given
        street's centrelines cannot hold the number, or when the ZIP says so. When both could
        be the place the answer is ambiguous (see :meth:`_given_or_swapped`).
        """
        hits = self._direct_hits(street)
        given = [h for h in hits if not _swapped(h)]
        swapped = [h for h in hits if _swapped(h)]
        candidates = self._candidates(given or swapped, parsed, limit, known)
        ambiguous = None
        if given and swapped:
            swaps = [c for c in self._candidates(swapped, parsed, limit, known)
                     if c.match_type in PLACED]
            candidates, ambiguous = self._given_or_swapped(parsed, candidates, swaps)
        if not candidates or candidates[0].match_type in STREET_LEVEL:
            fuzzy = self._candidates(self._fuzzy_hits(street), parsed, limit)
            if candidates:  # the street exists: fuzzy finds are only suggestions
                fuzzy = [c for c in fuzzy if c.match_type not in STREET_LEVEL]
                candidates = (candidates + sorted(fuzzy, key=_rank) if ambiguous is not None
                              else candidates[:1] + sorted(candidates[1:] + fuzzy, key=_rank))
            else:
                candidates = fuzzy
        if not candidates:
            return MatchResult(parsed, MatchType.NOT_FOUND, None, [], ["street_not_found"])
        best = candidates[0]
        notes = []
        if best.match_type in STREET_LEVEL:
            notes.append("no_number" if parsed.number is None else "number_out_of_range")
            if ambiguous is None:
                ambiguous = _streets_tie(candidates)
        return MatchResult(parsed, best.match_type, best, _distinct(candidates, limit), notes,
                           ambiguous)

    def _given_or_swapped(self, parsed: ParsedAddress, given: list[Candidate],
                          swaps: list[Candidate]) -> tuple[list[Candidate], bool | None]:
        """Rank the candidates of the given form against the swaps that place the number.

        Returns the candidates in order and whether the answer is ambiguous (None: the
        scores of the given form's own candidates decide, as for any answer).
        """
        if not swaps:
            return given, None
        best = given[0]
        rest = sorted(swaps, key=_rank)
        zip_code = parsed.zip[:5] if parsed.zip else None
        if zip_code:
            agrees = [s for s in rest if _zip_agrees(s, zip_code)]
            if _zip_agrees(best, zip_code) != bool(agrees):  # the ZIP decides
                if agrees:
                    return agrees + given + [s for s in rest if s not in agrees], False
                return given[:1] + rest + given[1:], _given_tie(given)
        if best.match_type in PLACED:
            return given[:1] + rest + given[1:], _given_tie(given)
        if self._holds_no_number(best, parsed):
            return rest + given, False
        return sorted(given[:1] + rest, key=_rank) + given[1:], True

    def _holds_no_number(self, candidate: Candidate, parsed: ParsedAddress) -> bool:
        """Whether the centrelines of the candidate's street (complete, unlike points seen)
        leave no place for the number: the given form cannot place the address."""
        sid = self.reference.street_ids.get(_key(candidate.street))
        if sid is None or parsed.number is None or not self.reference.segments_of(sid):
            return False
        return candidate.match_type in STREET_LEVEL

    def _candidates(self, hits: list[_Hit], parsed: ParsedAddress, limit: int,
                    known: dict[_Hit, Candidate] | None = None) -> list[Candidate]:
        """Locate the number on every street hit; all candidates, best first."""
        ref = self.reference
        out: list[Candidate] = []
        for hit in hits:
            if known and hit in known:
                out.append(known[hit])
                continue
            if parsed.number is None:
                out += self._street_only(hit, parsed, limit)
                continue
            span = ref.number_spans.get((hit.street, parsed.number))
            if span is not None:
                out.append(self._at_point(hit, span, parsed))
                continue
            found = self._on_centerline(hit, parsed) or self._between_points(hit, parsed)
            if found is None or found.match_type is MatchType.STREET_INTERPOLATED:
                found = self._in_range_gap(hit, parsed) or found
            out += [found] if found else self._street_only(hit, parsed, limit)
        out.sort(key=_rank)
        return out

    def _candidate(self, hit: _Hit, kind: MatchType, parsed: ParsedAddress, *,
                   number: int | None, line: str, lonlat: tuple[float, float] | None,
                   zip_code: str, extra: tuple[str, ...] = (), weight: float = 1.0,
                   zips: frozenset[str] | None = None, precision_m: float | None = None,
                   spread: np.ndarray | None = None) -> Candidate:
        """Build a candidate: score from the hit and the kind, reasons with the unit last.

        ``zips`` are the ZIPs the place may have (default: ``zip_code``); a ZIP given with
        the address that is none of them costs :data:`ZIP_PENALTY`.
        """
        reasons = list(hit.reasons)
        score = hit.score * _WEIGHT[kind] * weight
        if zips is None:
            zips = frozenset((zip_code,)) if zip_code else frozenset()
        if parsed.zip and zips and parsed.zip[:5] not in zips:
            score *= ZIP_PENALTY
            reasons.append("ZIP differs")
        reasons += extra
        if len(reasons) > 1:
            reasons.sort(key=_unit_last)
        if hit.fuzzy and kind not in STREET_LEVEL:
            kind = MatchType.FUZZY
        return Candidate(
            address=line,
            street=self.reference.streets[hit.street],
            number=number,
            zip=zip_code or None,
            lon=None if lonlat is None else float(lonlat[0]),
            lat=None if lonlat is None else float(lonlat[1]),
            match_type=kind,
            score=round(score, 6),
            reason="; ".join(reasons) or None,
            precision_m=precision_m if lonlat is not None else None,
            zips=zips,
            spread=spread,
        )

    def _at_point(self, hit: _Hit, span: tuple[int, int], parsed: ParsedAddress) -> Candidate:
        """The address point of the number: pick the row by number suffix, then unit."""
        ref = self.reference
        suffixes, point_unit = self._point_suffix, self._point_unit
        rows = range(*span)
        extra: list[str] = []
        wanted = (parsed.number_suffix or "").upper()
        same = [i for i in rows if suffixes[i] == wanted]
        if not same:
            same = list(rows)
            extra.append("number suffix differs")
        row, unit, kind = same[0], None, MatchType.EXACT
        asked = parsed.unit
        if asked:
            units = [point_unit[i] for i in same]
            if asked in units:
                row, unit = same[units.index(asked)], asked
            elif _unit_id(asked) in (ids := [_unit_id(u) if u else None for u in units]):
                row = same[ids.index(_unit_id(asked))]
                unit = point_unit[row]
                extra.append("unit designator differs")
            elif not any(units):
                unit = asked
                extra.append("unit not in reference")
            else:
                kind = MatchType.EXACT_IGNORING_UNIT
                extra.append("unit not found")
        number = parsed.number  # the span's rows hold this number
        line = format_line(_number_text(number, suffixes[row]), ref.streets[hit.street], unit)
        return self._candidate(hit, kind, parsed, number=number, line=line,
                               lonlat=ref.point_lonlat[row].tolist(),
                               zip_code=self._point_zip[row],
                               extra=tuple(extra), precision_m=_POINT_PRECISION_M)

    def _on_centerline(self, hit: _Hit, parsed: ParsedAddress) -> Candidate | None:
        """Interpolate along the segment whose range holds the number (ZIP match preferred)."""
        ref, number = self.reference, parsed.number
        found = []
        for j, lo, hi, start, mixed, rlo, rhi, rstart, rmixed, zips in self._side_table(hit.street):
            # side_of(number, ranges[j]), unrolled
            if lo <= number <= hi and (mixed or (number - start) % 2 == 0):
                side = 0
            elif rlo <= number <= rhi and (rmixed or (number - rstart) % 2 == 0):
                side = 1
            else:
                continue
            zip_code, potential = zips[side], bool(ref.segment_potential[j, side])
            found.append((bool(parsed.zip) and parsed.zip[:5] != zip_code, potential, j,
                          zip_code))
        if not found:
            return None
        _, potential, j, zip_code = min(found)
        measured = self._lines.get(j)
        if measured is None:
            measured = self._lines[j] = measure(ref.segment_coords(j, metric=True))
        xy = centerline_point(measured, self._ranges[j], number, ref.centerline_offset_m)
        lonlat = self._to_lonlat.transform(*xy)
        line = format_line(str(number), ref.streets[hit.street], None)
        return self._candidate(hit, MatchType.CENTERLINE, parsed, number=number, line=line,
                               lonlat=lonlat, zip_code=zip_code,
                               weight=_POTENTIAL_WEIGHT if potential else 1.0,
                               precision_m=(_POTENTIAL_PRECISION_M if potential
                                            else _CENTERLINE_PRECISION_M))

    def _anchors(self, street: int) -> list[Anchor]:
        found = self._street_anchors.get(street)
        if found is None:
            found = self._street_anchors[street] = street_anchors(self.reference, street)
        return found

    def _in_range_gap(self, hit: _Hit, parsed: ParsedAddress) -> Candidate | None:
        """A number in a gap of the street's centreline ranges, placed between the range
        ends around it: a street-level place whose precision grows with their distance."""
        ref, number = self.reference, parsed.number
        if number is None or not ref.segments_of(hit.street):
            return None
        place = place_in_gap(self._anchors(hit.street), number)
        if place is None:
            return None
        ends = np.array(self._to_lonlat.transform(
            [place.below.x, place.above.x], [place.below.y, place.above.y])).T
        lonlat = self._to_lonlat.transform(place.x, place.y)
        zips = frozenset(z for z in (place.below.zip, place.above.zip) if z)
        line = format_line(str(number), ref.streets[hit.street], None)
        reason = f"number between ranges, {place.below.number} to {place.above.number}"
        return self._candidate(
            hit, MatchType.STREET_INTERPOLATED, parsed, number=number, line=line,
            lonlat=lonlat, zip_code=place.below.zip, zips=zips, extra=(reason,),
            spread=np.linspace(ends[0], ends[1], _SPREAD_POINTS),
            weight=_step(_SPAN_WEIGHTS, place.span_m),
            precision_m=round(_INTERPOLATION_PRECISION_M + _INTERPOLATION_SHARE * place.span_m
                              + _METRES_PER_GAP_NUMBER * (place.above.number
                                                          - place.below.number), 1))

    def _side_table(self, street: int) -> list[tuple]:
        """Per centreline segment of ``street``: its index, each side's range as
        ``(low, high, from, mixed parity)`` (empty for a side without addresses), and its ZIPs."""
        table = self._sides.get(street)
        if table is None:
            ref = self.reference
            table = self._sides[street] = [
                (j, *_side_range(*self._ranges[j][:2]), *_side_range(*self._ranges[j][2:]),
                 tuple(ref.segment_zips[j]))
                for j in ref.segments_of(street)
            ]
        return table

    def _street_rows(self, hit: _Hit, parsed: ParsedAddress) -> np.ndarray:
        """Rows of the street's points; those of the ZIP given, when the street has some
        (a street name can run in distant parts of a city)."""
        ref = self.reference
        rows = np.arange(*self.reference.points_of(hit.street).indices(len(ref.point_number)))
        if parsed.zip and rows.size:
            same = rows[ref.point_zip[rows] == parsed.zip[:5]]
            if same.size:
                return same
        return rows

    def _between_points(self, hit: _Hit, parsed: ParsedAddress) -> Candidate | None:
        """Interpolate between the nearest known same-parity numbers of the street.

        Close neighbors (in number and on the ground) place the number
        (``POINT_INTERPOLATED``); farther ones give a street-level place
        (``STREET_INTERPOLATED``) whose precision grows with their distance.
        """
        ref, number = self.reference, parsed.number
        rows = self._street_rows(hit, parsed)
        numbers = ref.point_number[rows]
        same = np.flatnonzero(numbers % 2 == number % 2)
        distinct, first = np.unique(numbers[same], return_index=True)
        at = rows[same[first]]
        coords = ref.point_lonlat[at]
        lonlat = between_points(distinct, coords, number)
        if lonlat is None:
            return None
        i = int(np.searchsorted(distinct, number))
        (x0, y0), (x1, y1) = coords[i - 1], coords[i]
        span_m = math.hypot((x1 - x0) * math.cos(math.radians(y0)), y1 - y0) * 111_320
        close = (span_m <= _MAX_INTERPOLATION_SPAN_M
                 and distinct[i] - distinct[i - 1] <= _MAX_INTERPOLATION_GAP)
        below, above = int(at[i - 1]), int(at[i])
        zips = frozenset(z for z in (ref.point_zip[below], ref.point_zip[above]) if z)
        if parsed.zip and zips and parsed.zip[:5] not in zips:
            close = False  # the street's points in the ZIP given are not in the reference
        kind = MatchType.POINT_INTERPOLATED if close else MatchType.STREET_INTERPOLATED
        line = format_line(str(number), ref.streets[hit.street], None)
        spread = None if close else np.linspace(coords[i - 1], coords[i], _SPREAD_POINTS)
        weight = 1.0 if close else _step(_SPAN_WEIGHTS, span_m)
        return self._candidate(hit, kind, parsed, number=number, line=line, lonlat=lonlat,
                               zip_code=ref.point_zip[below], zips=zips, spread=spread,
                               weight=weight,
                               precision_m=round(_INTERPOLATION_PRECISION_M
                                                 + _INTERPOLATION_SHARE * span_m, 1))

    def _street_only(self, hit: _Hit, parsed: ParsedAddress, limit: int) -> list[Candidate]:
        """The street itself, at its existing number nearest the one asked, and those numbers.

        Its precision grows with the difference of the numbers; without a number asked, the
        street's middle number, its precision and spread the street's points.
        """
        ref, number = self.reference, parsed.number
        street = ref.streets[hit.street]
        rows = self._street_rows(hit, parsed)
        distinct, first = np.unique(ref.point_number[rows], return_index=True)
        at = rows[first]
        if not distinct.size:
            return self._street_only_from_ranges(hit, parsed)
        if number is None:
            order = np.array([distinct.size // 2])
            reason, weight = "no house number", 1 / 3
        else:
            gap = np.abs(distinct - number)
            order = np.lexsort((distinct % 2 != number % 2, gap))[:limit]
            reason = f"number out of range, nearest is {distinct[order[0]]}"
            weight = _step(_GAP_WEIGHTS, int(gap[order[0]]))
        nearest = int(at[order[0]])
        here = ref.point_lonlat[nearest]
        if number is None:
            spread = ref.point_lonlat[rows]
            precision = float(np.max(_metres(spread, here))) if len(rows) > 1 else 0.0
            precision = max(precision, _NEAREST_PRECISION_M)
        else:
            precision = _out_of_range_precision(abs(int(distinct[order[0]]) - number),
                                                self._extent, here)
            spread = _circle(here, precision)
        zips = frozenset(z for z in ref.point_zip[rows] if z) if number is None else None
        out = [self._candidate(hit, MatchType.STREET_ONLY, parsed, number=None, line=street.full,
                               lonlat=here, zip_code=ref.point_zip[nearest], extra=(reason,),
                               zips=zips, precision_m=round(precision, 1), spread=spread,
                               weight=weight)]
        if number is not None:
            for k, i in enumerate(order):
                row = int(at[i])
                line = format_line(_number_text(int(distinct[i]), ref.point_number_suffix[row]),
                                   street, None)
                out.append(self._candidate(
                    hit, MatchType.STREET_ONLY, parsed, number=int(distinct[i]), line=line,
                    lonlat=ref.point_lonlat[row], zip_code=ref.point_zip[row],
                    extra=(f"nearest existing number to {number}",),
                    weight=weight * (0.99 - 0.01 * k),
                    precision_m=_POINT_PRECISION_M,
                ))
        return out

    def _street_only_from_ranges(self, hit: _Hit, parsed: ParsedAddress) -> list[Candidate]:
        """A street located by its centrelines: without a number, at the middle of them (its
        precision and spread all of them); with one past every range, at the nearest range
        end (its precision grows with the difference of the numbers)."""
        ref, number = self.reference, parsed.number
        segments = ref.segments_of(hit.street)
        if not segments:
            return []
        street = ref.streets[hit.street]
        nearest = None if number is None else nearest_anchor(self._anchors(hit.street), number)
        if nearest is None:
            middle = segments[len(segments) // 2]
            coords = ref.segment_coords(middle)
            here = coords[len(coords) // 2]
            spread = np.vstack([ref.segment_coords(j) for j in segments])
            zips = frozenset(z for j in segments for z in ref.segment_zips[j] if z)
            precision = max(float(np.max(_metres(spread, here))), _NEAREST_PRECISION_M)
            reason = "no house number" if number is None else "no address ranges on the street"
            return [self._candidate(hit, MatchType.STREET_ONLY, parsed, number=None,
                                    line=street.full, lonlat=here, zip_code="",
                                    extra=(reason,), zips=zips,
                                    precision_m=round(precision, 1), spread=spread,
                                    weight=1 / 3)]
        here = np.array(self._to_lonlat.transform(nearest.x, nearest.y))
        gap = abs(nearest.number - number)
        precision = _out_of_range_precision(
            gap, np.vstack([ref.segment_coords(j) for j in segments]), here)
        return [
            self._candidate(hit, MatchType.STREET_ONLY, parsed, number=None, line=street.full,
                            lonlat=here, zip_code=nearest.zip,
                            extra=(f"number out of range, nearest is {nearest.number}",),
                            precision_m=round(precision, 1), spread=_circle(here, precision),
                            weight=_step(_GAP_WEIGHTS, gap)),
            self._candidate(hit, MatchType.STREET_ONLY, parsed, number=nearest.number,
                            line=format_line(str(nearest.number), street, None), lonlat=here,
                            zip_code=nearest.zip,
                            extra=(f"nearest existing number to {number}",),
                            weight=_step(_GAP_WEIGHTS, gap) * 0.99,
                            precision_m=_CENTERLINE_PRECISION_M),
        ]

    # ------------------------------------------------------------- intersections

    def _intersection(self, parsed: ParsedAddress, limit: int) -> MatchResult:
        """Where the two streets meet: the centreline nodes they share (else where their
        lines cross), or the crossing of their points' lines. Streets that meet at several
        places give each as a candidate, and the answer is ambiguous."""
        if parsed.street is None or parsed.cross_street is None:
            return MatchResult(parsed, MatchType.NOT_FOUND, None, [], ["no_street"])
        sides = []
        for street in (parsed.street, parsed.cross_street):
            # a swapped directional or suffix is another street: with no house number to
            # confirm it, never the place of an intersection ("SANTA MONICA FRWY" is not
            # SANTA MONICA BLVD)
            hits = [h for h in self._direct_hits(street) or self._fuzzy_hits(street)
                    if not _swapped(h)]
            sides.append(sorted(hits, key=lambda h: -h.score)[:8])
        candidates = []
        for a in sides[0]:
            for b in sides[1]:
                if a.street != b.street:
                    candidates += self._meeting(a, b, parsed, sides)
        if not candidates:
            note = "streets_do_not_meet" if all(sides) else "street_not_found"
            return MatchResult(parsed, MatchType.NOT_FOUND, None, [], [note])
        candidates.sort(key=_rank)
        suggestions, seen = [], set()
        for c in candidates:
            where = (round(c.lon, 4), round(c.lat, 4))  # about 10 m
            if where not in seen:
                seen.add(where)
                suggestions.append(c)
        best = suggestions[0]
        ambiguous = any(best.score - other.score < TIE for other in suggestions[1:])
        return MatchResult(parsed, MatchType.INTERSECTION, best, suggestions[:limit], [],
                           ambiguous)

    def _network(self) -> StreetNetwork:
        if self._street_network is None:
            self._street_network = StreetNetwork(self.reference)
        return self._street_network

    def _meeting(self, a: _Hit, b: _Hit, parsed: ParsedAddress,
                 sides: list[list[_Hit]]) -> list[Candidate]:
        """Candidates where streets ``a`` and ``b`` meet."""
        ref = self.reference
        places: list[tuple[tuple[float, float], float]] = []
        if ref.segments_of(a.street) and ref.segments_of(b.street):
            places = [((m.lon, m.lat), m.precision_m)
                      for m in self._network().meetings(a.street, b.street)]
            if not places:
                places = [(p, _CENTERLINE_PRECISION_M) for p in self._crossings(a.street,
                                                                                 b.street)]
        else:
            found = cross_point_lines(self._line_points(a, parsed, sides[0]),
                                      self._line_points(b, parsed, sides[1]))
            if found is not None:
                places = [(self._to_lonlat.transform(found.x, found.y), found.precision_m)]
        street_a, street_b = ref.streets[a.street], ref.streets[b.street]
        reasons = tuple(dict.fromkeys(a.reasons + b.reasons))
        hit = _Hit(a.street, a.score * b.score, reasons, False)
        line = f"{street_a.full} & {street_b.full}"
        return [self._candidate(hit, MatchType.INTERSECTION, parsed, number=None, line=line,
                                lonlat=p, zip_code="", precision_m=precision,
                                spread=_circle(np.array(p), precision))
                for p, precision in sorted(places)]

    def _line_points(self, hit: _Hit, parsed: ParsedAddress, hits: list[_Hit]) -> np.ndarray:
        """The points (metric) of a street for its line, with those of the streets that
        differ from it only by a directional the caller did not give (LA's N and S halves of
        one avenue lie on one line): those of the ZIP given, when they are three or more."""
        ref = self.reference
        own = ref.streets[hit.street]
        streets = [hit.street]
        if "directional missing" in hit.reasons:
            streets += [other.street for other in hits if other.street != hit.street
                        and "directional missing" in other.reasons
                        and ref.streets[other.street].name == own.name
                        and ref.streets[other.street].suffix == own.suffix]
        rows = np.concatenate([np.arange(*ref.points_of(s).indices(len(ref.point_number)))
                               for s in streets])
        if parsed.zip:
            same = rows[ref.point_zip[rows] == parsed.zip[:5]]
            if len(np.unique(ref.point_xy[same], axis=0)) >= 3:
                rows = same
        return ref.point_xy[rows]

    def _crossings(self, a: int, b: int) -> list[tuple[float, float]]:
        """Points where the two streets' lines cross without sharing a node."""
        ref = self.reference
        lines = [shapely.multilinestrings([shapely.linestrings(ref.segment_coords(j))
                                           for j in ref.segments_of(s)]) for s in (a, b)]
        crossing = shapely.intersection(*lines)
        return [(float(x), float(y)) for x, y in shapely.get_coordinates(crossing)]


def _side_range(start: int, end: int) -> tuple[int, int, int, bool]:
    """``(low, high, start, mixed)`` for :func:`in_range`; low > high where the side has none."""
    if start < 0 or end < 0:
        return 1, 0, start, False
    return min(start, end), max(start, end), start, (start - end) % 2 == 1


def _step(steps: tuple[tuple[float, float], ...], value: float) -> float:
    """The weight of the first step whose bound ``value`` is under."""
    return next(weight for bound, weight in steps if value < bound)


def _metres(points: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """Equirectangular distances in metres from lon/lat ``origin`` to lon/lat ``points``."""
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    dx = (points[:, 0] - origin[0]) * math.cos(math.radians(origin[1]))
    return np.hypot(dx, points[:, 1] - origin[1]) * 111_320


def _out_of_range_precision(gap: int, reach: np.ndarray, here: np.ndarray) -> float:
    """The precision of a number ``gap`` numbers past the nearest known one at ``here``:
    :data:`_METRES_PER_NUMBER` a number, up to :data:`_PLAUSIBLE_GAP` numbers past the
    farthest point of ``reach`` from ``here`` (the vertices of the street's centrelines,
    or, for a street known by its points, the corners of the city's points). Farther, the
    number is no address of the street (99999 S Lemon Ave): the request is somewhere on
    it, not hundreds of km away."""
    extent = max(float(np.max(_metres(reach, here))), _NEAREST_PRECISION_M)
    return min(_NEAREST_PRECISION_M + _METRES_PER_NUMBER * gap,
               extent + _METRES_PER_NUMBER * _PLAUSIBLE_GAP)


def _circle(center: np.ndarray, radius_m: float) -> np.ndarray:
    """The center and :data:`_SPREAD_POINTS` - 1 lon/lat points on a circle around it."""
    angles = np.linspace(0, 2 * math.pi, _SPREAD_POINTS - 1, endpoint=False)
    dlat = radius_m / 111_320
    dlon = dlat / math.cos(math.radians(float(center[1])))
    ring = np.column_stack([center[0] + dlon * np.cos(angles), center[1] + dlat * np.sin(angles)])
    return np.vstack([np.asarray(center, dtype=float).reshape(1, 2), ring])


def is_swap(reason: str | None) -> bool:
    """Whether a candidate's reason says it contradicts a directional or suffix given."""
    return bool(reason) and any(part in _SWAPS for part in reason.split("; "))


def _swapped(hit: _Hit) -> bool:
    return not _SWAPS.isdisjoint(hit.reasons)


def _key(street: Street) -> tuple:
    return (street.predir, street.name, street.suffix, street.postdir)


def _zip_agrees(candidate: Candidate, zip_code: str) -> bool:
    """Whether a candidate may have the ZIP given (one it cannot tell agrees)."""
    return not candidate.zips or zip_code in candidate.zips


def _given_tie(candidates: list[Candidate]) -> bool:
    """Whether another candidate of the given form is as good as the best: for a placed
    best another placed address, for a street-level one another street (ranked by score)."""
    first = candidates[0]
    if first.match_type not in PLACED:
        return _streets_tie(candidates)
    for other in candidates[1:]:
        if other.address != first.address:
            return other.match_type in PLACED and first.score - other.score < TIE
    return False


def _streets_tie(candidates: list[Candidate]) -> bool:
    """Whether another street locates a street-level answer as well as the best does."""
    first = candidates[0]
    for other in candidates[1:]:
        if other.street != first.street and (other.number is None
                                              or other.match_type is not MatchType.STREET_ONLY):
            return first.score - other.score < TIE
    return False


def _rank(c: Candidate) -> tuple[float, str]:
    return (-c.score, c.address)


def _distinct(candidates: list[Candidate], limit: int) -> list[Candidate]:
    out, seen = [], set()
    for c in candidates:
        if c.address not in seen:
            seen.add(c.address)
            out.append(c)
            if len(out) == limit:
                break
    return out
