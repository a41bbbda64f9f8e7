"""A reference that learns: address points and aliases that people at the city confirmed.

A 311 center's accepted requests are the best address reference it will ever get. This
module decides what may be learned and adds it to an
:class:`~geo311.address.reference.AddressReference` without rebuilding it:

- :func:`check_point` judges a confirmed place (a canonical address and the point a staff
  member confirmed or moved it to) and returns a :class:`Verdict`: a :class:`LearnedPoint`,
  or the reason it must not be learned: an address the validator cannot place with
  confidence (``needs_review``, ``ambiguous``, ``not_found`` on a known street, an
  intersection), a point outside the city, an address the reference already holds (there
  or elsewhere: moving a reference point needs review), a number beyond the street's
  centreline ranges, or a point too far from where the reference places the number (its
  interpolation, else the street's known places: a wrong click). A street the reference does not
  know, nor any close spelling of it (a new street), is learned with its first point; so is
  a directional or suffix given that the validator swapped ("E 80TH ST" read as W 80TH ST).
- :func:`check_alias` judges an accepted correction, the caller's words against the
  canonical address ("MLK BLVD" -> "MARTIN LUTHER KING JR BLVD"): a
  :class:`LearnedAlias`, unless the words already read as that street, name a street of
  their own, or are an alias already.
- :func:`merge` returns a new reference holding learned points and aliases, the tables
  exactly as a full rebuild from the same sources plus those points would make them (the
  tests compare both). The reference given is not changed: validators answering from it
  go on undisturbed (:meth:`~geo311.address.validate.Validator.use_reference` switches).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from pyproj import CRS, Transformer

from geo311.address.match import is_swap
from geo311.address.normalize import Street, format_line
from geo311.address.parse import AddressKind, parse
from geo311.address.reference import AddressReference, StreetKey

if TYPE_CHECKING:
    from geo311.address.validate import Validator

__all__ = ["DUPLICATE_M", "NEAR_STREET_M", "NUMBER_MARGIN", "LearnedAlias", "LearnedPoint",
           "Verdict", "check_alias", "check_point", "is_correction", "merge"]

NEAR_STREET_M = 150.0
"""A learned point may lie this far from where the street's known points (in its ZIP, when
the street has points there) put its number, plus :data:`_SPAN_SHARE` of the span between
its same-side neighbors, or else :data:`_PER_NUMBER_M` per house number to the nearest known
number: the sparser the street is known, the less a point can be judged."""
DUPLICATE_M = 30.0
"""A point for an address the reference holds within this distance adds nothing; farther,
it contradicts the reference point (a move of a reference point, for review)."""
NUMBER_MARGIN = 200
"""A number may lie this far beyond the street's centreline address ranges (a new building
at its end), not farther."""
_PLACING = frozenset({"centerline_interpolated", "point_interpolated"})
_SPAN_SHARE = 0.25
_PER_NUMBER_M = 3.0
_PLACEABLE = frozenset({"valid", "corrected", "approximate"})


@dataclass(frozen=True)
class LearnedPoint:
    """One address point to learn: the street as the reference keys it, the number, its
    suffix and unit ("" for none), the ZIP ("" if unknown) and the point (lon/lat)."""

    predir: str | None
    name: str
    suffix: str | None
    postdir: str | None
    number: int
    number_suffix: str
    unit: str
    zip: str
    lon: float
    lat: float

    @property
    def key(self) -> StreetKey:
        """The street's key in the reference."""
        return (self.predir, self.name, self.suffix, self.postdir)

    @property
    def address(self) -> str:
        """The canonical delivery line ("1234 S WESTERN AVE APT 2")."""
        sep = " " if "/" in self.number_suffix else ""
        return format_line(f"{self.number}{sep}{self.number_suffix}",
                           Street(*self.key), self.unit or None)


@dataclass(frozen=True)
class LearnedAlias:
    """A name (and suffix) callers use for a street: ``(alias_name, alias_suffix)`` reads as
    ``(name, suffix)``, as a row of the profile's ``[addresses] aliases`` file does."""

    alias_name: str
    alias_suffix: str | None
    name: str
    suffix: str | None


@dataclass(frozen=True)
class Verdict:
    """What a check decided: ``learned`` (None when refused) or the ``reason`` it was not;
    ``address`` is the canonical address the check read (None if it read none)."""

    learned: LearnedPoint | LearnedAlias | None
    reason: str | None
    address: str | None = None

    @property
    def accepted(self) -> bool:
        """Whether there is something to learn."""
        return self.learned is not None


def _refuse(reason: str, address: str | None = None) -> Verdict:
    return Verdict(None, reason, address)


def _metres(lonlat: np.ndarray, lon: float, lat: float) -> np.ndarray:
    """Local metres (east, north) of lon/lat rows around ``(lon, lat)`` (equirectangular)."""
    lonlat = np.asarray(lonlat, dtype=float).reshape(-1, 2)
    return np.column_stack([(lonlat[:, 0] - lon) * math.cos(math.radians(lat)),
                            lonlat[:, 1] - lat]) * 111_320


def _to_segment(a: np.ndarray, b: np.ndarray) -> float:
    """Distance in metres from the origin to the segment ``a``-``b`` (local metres)."""
    ab = b - a
    length = float(ab @ ab)
    t = 0.0 if length == 0 else min(1.0, max(0.0, float(-(a @ ab)) / length))
    return float(np.hypot(*(a + t * ab)))


def _reading(validator: Validator, address: str, zip_code: str | None):
    """The validator's answer for ``address`` and the canonical parse of it (a number kept
    from the input when the answer is the street only), or the reason it places nothing."""
    answer = validator.validate(address, zip=zip_code)
    status = answer["status"]
    given = parse(address)
    if given.kind == AddressKind.INTERSECTION or answer["match_type"] == "intersection":
        return "an intersection is not an address point"
    if status == "not_found" and "street_not_found" in answer["notes"] \
            and given.kind == AddressKind.ADDRESS and not given.needs_review:
        canonical = given  # a street the reference does not know (nor any close spelling)
    elif status not in _PLACEABLE:
        return f"the address is {status}: only an address placed with confidence is learned"
    else:
        canonical = parse(answer["address"] or "")
    if canonical.number is None and given.number is not None:
        number = given.number_text if given.number_high is None else str(given.number)
        canonical = parse(f"{number} {answer['address']}")
    if canonical.kind != AddressKind.ADDRESS or canonical.number is None \
            or canonical.street is None:
        return "no house number: a street is not an address point"
    return answer, canonical, given


def check_point(validator: Validator, address: str, lon: float, lat: float, *,
                zip: str | None = None) -> Verdict:
    """Whether the place ``address`` at ``(lon, lat)`` may join the validator's reference.

    ``validator`` is a :class:`~geo311.address.validate.Validator` (its reference and
    locator judge). The address is read as the validator reads it: a corrected address is
    learned in its canonical form. Never raises for bad input: the verdict says why.
    """
    if not isinstance(address, str) or not address.strip():
        return _refuse("no address")
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        return _refuse("the point is not a pair of numbers")
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):  # NaN fails too
        return _refuse(f"the point ({lon}, {lat}) is not a longitude and latitude")
    read = _reading(validator, address, zip)
    if isinstance(read, str):
        return _refuse(read)
    answer, canonical, given = read
    street = canonical.street
    heard = given.street
    reason = (answer["suggestions"] or [{}])[0].get("reason")
    if heard is not None and heard.name == street.name and is_swap(reason) and (
            heard.predir, heard.name, heard.suffix, heard.postdir) not in \
            validator.reference.street_ids:
        # the validator swapped a directional or suffix given ("E 80TH ST" read as W 80TH ST):
        # a directional given is evidence, so the form given is a street of its own, new here
        street = heard
    point = _point(street, canonical, given, _zip_of(answer, zip, given.zip), lon, lat)
    location = validator.locator.locate(lon, lat)
    if not location["in_jurisdiction"]:
        served = (location.get("agency") or {}).get("name")
        return _refuse("the point is outside the city"
                       + (f" (served by {served})" if served else ""), point.address)
    return _judge(validator.reference, point, answer)


def _point(street, canonical, given, zip_code: str, lon: float, lat: float) -> LearnedPoint:
    return LearnedPoint(street.predir, street.name, street.suffix, street.postdir,
                        number=canonical.number,
                        number_suffix=(canonical.number_suffix or "").upper(),
                        unit=canonical.unit or given.unit or "", zip=zip_code, lon=lon, lat=lat)


def _judge(ref: AddressReference, point: LearnedPoint, answer: dict) -> Verdict:
    """The verdict on a point inside the city: new street, duplicate, moved, beyond the
    street's ranges, far from where the reference puts the number, or fine."""
    line = point.address
    sid = ref.street_ids.get(point.key)
    if sid is None:  # a new street: nothing to measure the point against but the city
        return Verdict(point, None, line)
    same = _same_address(ref, sid, point)
    if same is not None:
        away = float(np.hypot(*_metres(ref.point_lonlat[same], point.lon, point.lat)[0]))
        if away <= DUPLICATE_M:
            return _refuse(f"already in the reference ({away:.0f} m away)", line)
        return _refuse(f"the reference has {line} {away:,.0f} m away: moving a reference "
                       "point needs review", line)
    ranges = ref.segment_ranges[ref.segments_of(sid)]
    ends = ranges[ranges >= 0]
    if ends.size and not ends.min() - NUMBER_MARGIN <= point.number <= ends.max() + NUMBER_MARGIN:
        return _refuse(f"{point.number} is beyond the address ranges of {Street(*point.key).full} "
                       f"({ends.min()}-{ends.max()})", line)
    if answer["match_type"] in _PLACING and answer["address"] == format_line(
            str(point.number), Street(*point.key), None):
        # the reference places the number itself: the point must be near that place
        away = float(np.hypot(*_metres([(answer["lon"], answer["lat"])], point.lon,
                                       point.lat)[0]))
        allowed = NEAR_STREET_M + float(answer["precision_m"] or 0.0)
    else:
        away, allowed = _from_street(ref, sid, point)
    if away > allowed:
        return _refuse(f"{away:,.0f} m from where the street's known places put "
                       f"{point.number} (at most {allowed:,.0f} m): a wrong click?", line)
    return Verdict(point, None, line)


def _zip_of(answer: dict, given: str | None, parsed: str | None) -> str:
    """The ZIP of a learned point: the one given, else the text's, else the answer's."""
    for value in (given, parsed, (answer["suggestions"] or [{}])[0].get("zip")):
        if value and value.strip()[:5].isdigit():
            return value.strip()[:5]
    return ""


def _same_address(ref: AddressReference, sid: int, point: LearnedPoint) -> int | None:
    """The row of the reference point with the same street, number, suffix and unit."""
    span = ref.number_spans.get((sid, point.number))
    if span is None:
        return None
    for row in range(*span):
        if (ref.point_number_suffix[row] == point.number_suffix
                and ref.point_unit[row] == point.unit):
            return row
    return None


def _from_street(ref: AddressReference, sid: int, point: LearnedPoint) -> tuple[float, float]:
    """How far the point is from where the street's known places put its number, and how
    far it may be: between same-parity neighbors, from the segment joining them; else from
    the nearest known number; for a street without points, from its centrelines."""
    rows = np.arange(*ref.points_of(sid).indices(len(ref.point_number)))
    number = point.number
    if point.zip and rows.size and (ref.point_zip[rows] != "").any():
        rows = rows[ref.point_zip[rows] == point.zip]  # a name can run in distant parts
        if not rows.size:  # the street's first point in this ZIP: nothing to measure by
            return 0.0, math.inf
    if rows.size:
        numbers = ref.point_number[rows]
        local = _metres(ref.point_lonlat[rows], point.lon, point.lat)
        same = numbers % 2 == number % 2
        below = np.flatnonzero(same & (numbers < number))
        above = np.flatnonzero(same & (numbers > number))
        if below.size and above.size:
            a, b = below[np.argmax(numbers[below])], above[np.argmin(numbers[above])]
            span = float(np.hypot(*(local[b] - local[a])))
            return _to_segment(local[a], local[b]), NEAR_STREET_M + _SPAN_SHARE * span
        gap = np.abs(numbers - number)
        nearest = int(np.argmin(gap))
        allowed = NEAR_STREET_M + _PER_NUMBER_M * float(gap[nearest])
        return float(np.hypot(*local[nearest])), allowed
    distances = [
        min(_to_segment(v[k], v[k + 1]) for k in range(len(v) - 1)) if len(v) > 1
        else float(np.hypot(*v[0]))
        for j in ref.segments_of(sid)
        for v in (_metres(ref.segment_coords(j), point.lon, point.lat),)
    ]
    return (min(distances) if distances else math.inf), NEAR_STREET_M


def check_alias(reference: AddressReference, said: str, address: str) -> Verdict:
    """Whether the caller's words ``said`` may become an alias of the street of ``address``
    (the canonical address the agent accepted). Never raises for bad input."""
    if not isinstance(said, str) or not isinstance(address, str):
        return _refuse("the caller's words and the address must be text")
    heard, target = parse(said).street, parse(address).street
    if heard is None or target is None:
        return _refuse("no street in the caller's words or in the address")
    line = target.full
    if not any(reference.streets[i].suffix == target.suffix
               for i in reference.streets_by_name.get(target.name, ())):
        return _refuse(f"{line} is not a street of the reference", line)
    if (heard.name, heard.suffix) == (target.name, target.suffix):
        return _refuse(f"{said.strip()!r} already reads as {line}", line)
    own = [reference.streets[i] for i in reference.streets_by_name.get(heard.name, ())]
    if heard.suffix is None and own or any(s.suffix == heard.suffix for s in own):
        return _refuse(f"{heard.full} is a street of its own", line)
    known = reference.aliases.get((heard.name, heard.suffix))
    if known is not None:
        return _refuse(f"{heard.name} {heard.suffix or ''}".rstrip()
                       + f" is already an alias of {' '.join(p for p in known if p)}", line)
    return Verdict(LearnedAlias(heard.name, heard.suffix, target.name, target.suffix), None, line)


def merge(reference: AddressReference, points: Iterable[LearnedPoint] = (),
          aliases: Iterable[LearnedAlias] = ()) -> tuple[AddressReference, int]:
    """A new reference holding ``points`` and ``aliases`` too, and how many were new.

    A point on a street the reference does not have adds the street. Points or aliases it
    holds already (same street, number, suffix and unit; same alias), and aliases of no
    street, are left out: applying the same learned rows twice, or rows learned by two
    workers at once, changes nothing. The tables are those a full rebuild with the points
    appended to the source would make.
    """
    points, added = list(points), 0
    ref = reference
    streets = sorted({p.key for p in points} - ref.street_ids.keys(), key=_street_order)
    if streets:
        ref = _with_streets(ref, streets)
    new_aliases = dict(ref.aliases)
    for alias in aliases:
        key = (alias.alias_name, alias.alias_suffix)
        if key not in new_aliases and alias.name in ref.streets_by_name:
            new_aliases[key] = (alias.name, alias.suffix)
            added += 1
    rows: dict[tuple, LearnedPoint] = {}
    for point in points:
        sid = ref.street_ids[point.key]
        key = (sid, point.number, point.number_suffix, point.unit)
        if key not in rows and _same_address(ref, sid, point) is None:
            rows[key] = point
    added += len(rows)
    if not rows:
        return (ref if len(new_aliases) == len(ref.aliases)
                else dataclasses.replace(ref, aliases=new_aliases)), added
    order = sorted(rows)
    new = [rows[k] for k in order]
    at = [_position(ref, k) for k in order]
    lonlat = np.array([(p.lon, p.lat) for p in new], dtype=float)
    to_metric = Transformer.from_crs("EPSG:4326", CRS.from_wkt(ref.metric_crs), always_xy=True)
    xy = np.column_stack(to_metric.transform(lonlat[:, 0], lonlat[:, 1]))

    def put(array: np.ndarray, values: list | np.ndarray) -> np.ndarray:
        return np.insert(array, at, np.asarray(values, dtype=array.dtype), axis=0)

    sid = put(ref.point_street, [k[0] for k in order])
    number = put(ref.point_number, [k[1] for k in order])
    zips = list(ref.street_zips)
    for k, p in zip(order, new, strict=True):
        if p.zip:
            zips[k[0]] = zips[k[0]] | {p.zip}
    change = np.flatnonzero((np.diff(sid) != 0) | (np.diff(number) != 0)) + 1
    starts = np.concatenate([[0], change]).tolist()
    stops = np.concatenate([change, [sid.size]]).tolist()
    merged = dataclasses.replace(
        ref, aliases=new_aliases, point_street=sid, point_number=number,
        point_number_suffix=put(ref.point_number_suffix, [p.number_suffix for p in new]),
        point_unit=put(ref.point_unit, [p.unit for p in new]),
        point_zip=put(ref.point_zip, [p.zip for p in new]),
        point_lonlat=put(ref.point_lonlat, lonlat), point_xy=put(ref.point_xy, xy),
        point_id=put(ref.point_id, [""] * len(new)),
        street_points=np.searchsorted(sid, np.arange(len(ref.streets) + 1)),
        number_spans={(s, n): (a, b) for s, n, a, b in zip(
            sid[starts].tolist(), number[starts].tolist(), starts, stops, strict=True)},
        street_zips=zips, cache_hit=False,
    )
    merged.forget_lookups()
    return merged, added


def _street_order(key: StreetKey) -> tuple[str, str, str, str]:
    """The order of the reference's streets: by name, then directional, suffix, postdir."""
    return key[1], key[0] or "", key[2] or "", key[3] or ""


def _with_streets(ref: AddressReference, keys: list[StreetKey]) -> AddressReference:
    """A copy of ``ref`` with the streets ``keys`` (new, without points yet) in their places:
    every street id after them moves up, as a rebuild numbers them."""
    old = [(s.predir, s.name, s.suffix, s.postdir) for s in ref.streets]
    ordered = sorted(old + keys, key=_street_order)
    ids = {k: i for i, k in enumerate(ordered)}
    remap = np.array([ids[k] for k in old], dtype=np.int32)
    point_street = remap[ref.point_street] if ref.point_street.size else ref.point_street
    segment_street = remap[ref.segment_street] if ref.segment_street.size \
        else ref.segment_street
    zips = [frozenset()] * len(ordered)
    for i, found in enumerate(ref.street_zips):
        zips[remap[i]] = found
    by_name: dict[str, list[int]] = {}
    for i, k in enumerate(ordered):
        by_name.setdefault(k[1], []).append(i)
    n = len(ordered)
    return dataclasses.replace(
        ref, streets=[Street(*k) for k in ordered], street_ids=ids,
        streets_by_name={name: tuple(v) for name, v in by_name.items()},
        names=sorted(by_name), street_zips=zips, point_street=point_street,
        segment_street=segment_street,
        street_points=np.searchsorted(point_street, np.arange(n + 1)),
        street_segments=np.searchsorted(segment_street, np.arange(n + 1)),
        number_spans={(int(remap[s]), number): span
                      for (s, number), span in ref.number_spans.items()})


def _position(ref: AddressReference, key: tuple) -> int:
    """Where a point of ``key`` (street, number, suffix, unit) goes in the sorted points:
    after the rows of equal or lower key, as a stable sort of the rebuild puts it."""
    sid, number, suffix, unit = key
    rows = ref.points_of(sid)
    lo, hi = rows.start, rows.stop
    numbers, suffixes, units = ref.point_number, ref.point_number_suffix, ref.point_unit
    while lo < hi:  # the first row whose key is greater
        mid = (lo + hi) // 2
        if (int(numbers[mid]), suffixes[mid], units[mid]) <= (number, suffix, unit):
            lo = mid + 1
        else:
            hi = mid
    return lo


def is_correction(said: str, address: str) -> bool:
    """Whether the caller's words name the street of ``address`` otherwise (another name or
    suffix): an accepted correction, for :func:`check_alias`."""
    heard = parse(said).street if isinstance(said, str) else None
    target = parse(address).street if isinstance(address, str) else None
    return heard is not None and target is not None \
        and (heard.name, heard.suffix) != (target.name, target.suffix)
