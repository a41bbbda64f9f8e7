"""Validate a free-text address at intake: parse, match, locate, redirect.

:class:`Validator` ties the parser, the address reference and the locate engine
together for one profile. ``validate(text)`` returns a JSON-ready dict with the
canonical address, coordinates, a status and a confidence, ranked suggestions,
the full ``locate`` answer and, for an address outside the city, the agency to
redirect the caller to. ``validate_many(texts)`` returns the same answers for a
batch, faster: each distinct input once, stage by stage.

Answers are cached (intake traffic repeats addresses) and every call returns a new
answer, which the caller may change (:mod:`geo311.address.frozen`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

import numpy as np

from geo311.address._collection import fewer_collections
from geo311.address.frozen import (
    EXTRACTORS,
    INPUT,
    SHAPES,
    THAWERS,
    Shape,
    dict_shape,
    flatten,
    register_shape,
)
from geo311.address.match import (
    STREET_LEVEL,
    TIE,
    Candidate,
    Matcher,
    MatchResult,
    MatchType,
    is_swap,
)
from geo311.address.parse import AddressKind, ParsedAddress, fast_key, parse_uncached_how
from geo311.address.reference import AddressReference
from geo311.answers import (
    CandidateAnswer,
    PostalCityAnswer,
    RedirectAnswer,
    UnderstoodAnswer,
    ValidateAnswer,
    keys_of,
)
from geo311.errors import Geo311Error, InputError
from geo311.jurisdiction import Locator
from geo311.profile import Profile

__all__ = ["FUZZY_TIE", "SWAP_CONFIDENCE", "TIE", "Status", "Validator", "redirect_message"]


class Status(StrEnum):
    """What the validator concluded about an address."""

    VALID = "valid"                # found as given (case, spacing and abbreviations aside)
    CORRECTED = "corrected"        # found after correcting the input (reason in suggestions)
    AMBIGUOUS = "ambiguous"        # several equally good candidates: ask the caller
    APPROXIMATE = "approximate"    # the street is known, the number is not: a street-level
    #                                place (or an intersection whose corners lie in several
    #                                districts); precision_m and district_candidates say how good
    NOT_FOUND = "not_found"        # no such address (the street may exist: see match_type)
    NEEDS_REVIEW = "needs_review"  # the input could not be understood with confidence
    REJECTED = "rejected"          # understood, but not a service location (PO box)


# Prior confidence of each match type, before the candidate's own score (see `confidence`).
# A candidate's score already holds its match type's weight (match._WEIGHT) and, for a
# fuzzy street, the spelling similarity, so those priors are 1: measured on LA and demo
# data (bench/report_confidence.py), the score alone is the better calibrated.
_TYPE_CONFIDENCE = {
    MatchType.EXACT: 1.0,
    MatchType.EXACT_IGNORING_UNIT: 1.0,
    MatchType.INTERSECTION: 0.95,
    MatchType.CENTERLINE: 1.0,
    MatchType.POINT_INTERPOLATED: 1.0,
    MatchType.FUZZY: 1.0,
    MatchType.STREET_INTERPOLATED: 1.0,
    MatchType.STREET_ONLY: 1.0,
    MatchType.NOT_FOUND: 0.0,
}
FUZZY_TIE = 0.05
"""A fuzzy street match is ambiguous with a runner-up within this (others: :data:`TIE`)."""
SWAP_CONFIDENCE = 0.7
"""The most confidence an answer gets whose directional or suffix is not the one given (a
swap): below the valid band, however well the swapped street places the number."""
_CONFIDENT = frozenset({Status.VALID, Status.CORRECTED, Status.APPROXIMATE})
"""Statuses whose answer is the best candidate, located."""
_PLACED_STATUSES = frozenset({Status.VALID, Status.CORRECTED})
"""Statuses of a place whose district is certain: an intersection whose corners lie in
several districts (a circle of its precision) is ``approximate`` instead, its
``district_candidates`` naming them."""
_FOUND = {MatchType.EXACT, MatchType.EXACT_IGNORING_UNIT, MatchType.INTERSECTION,
          MatchType.CENTERLINE, MatchType.POINT_INTERPOLATED}
_ANSWERING = _FOUND | {MatchType.FUZZY}
"""Match types that give an address (a street-only match only suggests)."""
CACHE_SIZE = 65_536
"""Answers (of each kind of key) and locations a :class:`Validator` keeps at most."""
_CHUNK = 16_384
"""New inputs :meth:`Validator.validate_many` takes through its stages at a time."""
_PLACE_PREFIXES = ("city of", "town of", "village of", "county of", "borough of")


def redirect_message(address: str, jurisdiction: str, agency: dict | None,
                     nearest: dict | None = None) -> str:
    """Return the sentence an intake agent reads to a caller whose address is outside.

    Examples
    --------
    >>> redirect_message("1234 W MAIN ST", "City of Gardena",
    ...                  {"name": "Los Angeles", "phone": "311", "url": None})
    '1234 W MAIN ST is not in the City of Gardena. It is served by Los Angeles: 311.'
    """
    place = f"the {jurisdiction}" if jurisdiction.lower().startswith(_PLACE_PREFIXES) \
        else jurisdiction
    if agency is None:
        text = f"{address} is not in {place}, and no agency we know of serves it."
        if nearest is not None:
            contact = ", ".join(v for v in (nearest.get("phone"), nearest.get("url")) if v)
            text += (f" The nearest is {nearest['name']}, {nearest['distance_m']:,.0f} m away"
                     + (f": {contact}." if contact else "."))
        return text
    contact = ", ".join(v for v in (agency.get("phone"), agency.get("url")) if v)
    return (f"{address} is not in {place}. It is served by {agency['name']}"
            + (f": {contact}." if contact else "."))


def confidence(match: MatchResult, parsed: ParsedAddress) -> float:
    """Return a 0–1 confidence: the match type's prior times the best candidate's score.

    A parse that needs review caps the confidence at 0.5; so does an ambiguous
    match (see :data:`TIE`); a swapped directional or suffix at :data:`SWAP_CONFIDENCE`.
    Calibration on real data: ``bench/report_confidence.py``, ``bench/report_addresses_la.py``.
    """
    best = match.best
    if best is None:
        return 0.0
    value = _TYPE_CONFIDENCE[match.match_type] * best.score
    if parsed.needs_review or _is_ambiguous(match):
        value = min(value, 0.5)
    if is_swap(best.reason):
        value = min(value, SWAP_CONFIDENCE)
    return round(max(0.0, min(1.0, value)), 3)


def _is_ambiguous(match: MatchResult) -> bool:
    """Whether a runner-up for another address scores (nearly) as well as the best, or the
    matcher said so (a given form against a swapped one)."""
    if match.ambiguous is not None:
        return match.ambiguous
    if len(match.suggestions) < 2 or match.match_type not in _ANSWERING:
        return False
    first, second = match.suggestions[0], match.suggestions[1]
    tie = FUZZY_TIE if match.match_type == MatchType.FUZZY else TIE
    return first.address != second.address and first.score - second.score < tie


def _status(parsed: ParsedAddress, match: MatchResult) -> Status:
    if parsed.kind == AddressKind.PO_BOX:
        return Status.REJECTED
    if parsed.needs_review or parsed.kind == AddressKind.UNKNOWN:
        return Status.NEEDS_REVIEW
    if _is_ambiguous(match):
        return Status.AMBIGUOUS
    if match.match_type in _FOUND:
        reason = match.best.reason if match.best else None
        return Status.VALID if not reason or reason.startswith("unit") else Status.CORRECTED
    if match.match_type == MatchType.FUZZY:
        return Status.CORRECTED
    if match.match_type in STREET_LEVEL and match.best and match.best.lon is not None:
        return Status.APPROXIMATE
    return Status.NOT_FOUND


def _understood_key(parsed: ParsedAddress) -> tuple:
    """What an answer depends on: every field the matcher reads, and the review reasons.

    Plain strings and tuples, so that a cache of them stays out of the garbage collector's way.
    """
    street, cross = parsed.street, parsed.cross_street
    return (str(parsed.kind), parsed.number, parsed.number_suffix, parsed.number_high,
            street and (street.predir, street.name, street.suffix, street.postdir),
            cross and (cross.predir, cross.name, cross.suffix, cross.postdir),
            parsed.unit, parsed.city, parsed.state, parsed.zip, parsed.po_box,
            parsed.needs_review, parsed.review_reasons)


def _fill_value(value: str | None) -> str | None:
    """A form field as it fills the parsed address: stripped, uppercase; None if blank."""
    return value.strip().upper() if value and value.strip() else None


# -- the parts of an answer: keys, and the values in the same order --------------------------

# (the keys are declared in geo311.answers; these give the values in their order)


def _candidate(candidate: Candidate) -> tuple:
    return (candidate.address, candidate.lon, candidate.lat, candidate.zip,
            str(candidate.match_type), round(candidate.score, 3), candidate.reason)


def _parsed(parsed: ParsedAddress) -> tuple:
    street = parsed.street.full if parsed.street else None
    cross = parsed.cross_street.full if parsed.cross_street else None
    return (str(parsed.kind), parsed.number, parsed.number_suffix, parsed.number_high, street,
            cross, parsed.unit, parsed.city, parsed.state, parsed.zip, parsed.po_box)


def _redirect_and_postal_city(location: dict, best: Candidate,
                              parsed: ParsedAddress) -> tuple[tuple | None, tuple | None]:
    """The redirect for an outside address and the postal-city check, as values in key order."""
    redirect = postal_city = None
    if not location["in_jurisdiction"]:
        agency = location["agency"]
        redirect = (*((agency or {}).get(k) for k in ("id", "name", "phone", "url")),
                    redirect_message(best.address, location["jurisdiction"]["name"], agency,
                                     location["nearest_agency"]))
    if parsed.city:
        serving = (location["agency"] or location["nearest_agency"] or {}).get("name") or ""
        postal_city = (parsed.city, serving, _place_key(parsed.city) != _place_key(serving))
    return redirect, postal_city


def _place_key(name: str) -> str:
    """A place's name for comparison: lower case, single spaces, without "City of" and the
    like (the caller's "Town of Millbrook" is the agency "Town of Millbrook" is Millbrook)."""
    simple = " ".join(name.lower().split())
    for prefix in _PLACE_PREFIXES:
        simple = simple.removeprefix(prefix + " ")
    return simple


# -- frozen answers (see geo311.address.frozen) ------------------------------------------

_CANDIDATE_SHAPE = dict_shape(keys_of(CandidateAnswer))
_UNDERSTOOD_SHAPE = dict_shape(keys_of(UnderstoodAnswer))
_REDIRECT_SHAPE = dict_shape(keys_of(RedirectAnswer))
_POSTAL_SHAPE = dict_shape(keys_of(PostalCityAnswer))
_ANSWER_KEYS = keys_of(ValidateAnswer)


def _answer_shape(suggestions: int, reasons: int, notes: int, location: Shape,
                  redirect: bool, postal_city: bool, district_candidates: Shape) -> Shape:
    """The shape of a :class:`~geo311.answers.ValidateAnswer`, its keys in their declared
    order (:meth:`Validator._answer` lists its leaves in this order)."""
    parts = {
        "input": INPUT,
        "suggestions": ("list", (_CANDIDATE_SHAPE,) * suggestions),
        "understood": _UNDERSTOOD_SHAPE,
        "review_reasons": ("list", (None,) * reasons),
        "notes": ("list", (None,) * notes),
        "location": location,
        "redirect": _REDIRECT_SHAPE if redirect else None,
        "postal_city": _POSTAL_SHAPE if postal_city else None,
        "district_candidates": district_candidates,
    }  # every other key holds a leaf
    return ("dict", _ANSWER_KEYS, tuple(parts.get(key) for key in _ANSWER_KEYS))


def _same_street_first(understood: tuple) -> tuple[str, int]:
    """An order of understood keys (see `_understood_key`) by street name, then number."""
    street, number = understood[4], understood[1]
    return (street[1] if street else ""), (number if number is not None else -1)


def _near_first(point: tuple[float, float]) -> tuple[float, float]:
    """An order of points in which near ones come close: by 0.01° column, then latitude."""
    return point[0] * 100 // 1, point[1]


def _remember(cache: dict, key: Any, value: Any) -> Any:
    """Store ``value`` in ``cache``, emptied first when it holds :data:`CACHE_SIZE` entries."""
    if len(cache) >= CACHE_SIZE:
        cache.clear()
    cache[key] = value
    return value


class Validator:
    """Validate addresses for one profile; build once, call often.

    Answers are cached, by the exact input (text, ZIP and city fields) and by what
    the parser understood, so that "1200 n main st" and "1200 N MAIN ST" share the
    work; locations are cached by point. Every call returns a new answer, which the
    caller may change freely: no cached data is ever handed out.

    Parameters
    ----------
    profile : the jurisdiction profile (its ``[addresses]`` section is required).
    reference, locator : prebuilt parts to share between validators.
    """

    def __init__(self, profile: Profile, *, reference: AddressReference | None = None,
                 locator: Locator | None = None) -> None:
        self.profile = profile
        self.locator = locator or Locator.from_profile(profile)
        self.reference = reference or AddressReference.from_profile(profile)
        self.matcher = Matcher(self.reference)
        # frozen answers by input; by what the parser's fast path reads of it (the same
        # answer for "12 n main st" and "12 N MAIN ST"); by what was understood (see
        # `_understood_key`); frozen locations by point, with the number of their shape
        self._answers: dict[tuple, tuple] = {}
        self._by_fast_key: dict[tuple, tuple] = {}
        self._by_understood: dict[tuple, tuple] = {}
        self._locations: dict[tuple[float, float], tuple[tuple, int, bool]] = {}
        self._location_shape: int | None = None

    def use_reference(self, reference: AddressReference) -> None:
        """Answer from ``reference`` from now on (the same one with learned points, see
        :mod:`geo311.address.learned`): a new matcher, the cached answers dropped (the
        cached locations of points stay true). An answer another thread is computing at that
        moment may still be cached from the old reference."""
        self.matcher = Matcher(reference)
        self.reference = reference
        self._answers, self._by_fast_key, self._by_understood = {}, {}, {}

    def validate(self, text: str, *, zip: str | None = None,
                 city: str | None = None) -> ValidateAnswer:
        """Return the validation of one free-text address as a JSON-ready dict.

        ``zip`` and ``city`` fill in what the text does not say (a separate form
        field). Raises :class:`InputError` only for a non-string input. The answer
        is the caller's own: changing it changes no later answer.
        """
        if not isinstance(text, str):
            raise InputError(f"an address must be text, not {type(text).__name__}")
        zip, city = _fill_value(zip), _fill_value(city)
        frozen = self._answers.get((text, zip, city)) or self._freeze(text, zip, city)
        return THAWERS.functions[frozen[0]](frozen, text)

    def validate_many(self, texts: Iterable[str], *, zips: Iterable[str | None] | None = None,
                      cities: Iterable[str | None] | None = None) -> list[ValidateAnswer]:
        """Return :meth:`validate` of each address, in order: the same answers, sooner.

        ``zips`` and ``cities``, when given, hold the form field of each address
        (None or "" where there is none). Each distinct input is validated once, in
        stages (parse them all, match them all, locate them all), and every answer
        is a new dict.

        Raises
        ------
        InputError
            If an address is not a string, or ``zips`` or ``cities`` has another length
            (before any is validated).
        """
        with fewer_collections():  # the answers are many new containers, and no cycle
            texts = list(texts)
            for text in texts:
                if not isinstance(text, str):
                    raise InputError(f"an address must be text, not {type(text).__name__}")
            fields = []
            for name, values in (("zips", zips), ("cities", cities)):
                if values is None:
                    fields.append([None] * len(texts))
                    continue
                values = [_fill_value(v) for v in values]
                if len(values) != len(texts):
                    raise InputError(
                        f"{name} has {len(values)} values for {len(texts)} addresses")
                fields.append(values)
            keys = list(zip(texts, *fields, strict=True))
            functions = THAWERS.functions
            frozen = self._freeze_many(keys)
            return [functions[f[0]](f, key[0]) for key in keys for f in (frozen[key],)]

    def validate_each(self, texts: list[str], *, zips: list[str | None] | None = None,
                      cities: list[str | None] | None = None
                      ) -> tuple[list[ValidateAnswer | None], list[str | None]]:
        """:meth:`validate_many` of ``texts``, and beside each answer its error: None. Should
        the batch fail, each address is validated alone, and one that fails gets no answer
        and its error message (a batch job reports it in its row, and goes on)."""
        try:
            answers = self.validate_many(texts, zips=zips, cities=cities)
        except Geo311Error:
            pass
        else:
            return answers, [None] * len(answers)
        answers, errors = [], []
        for i, text in enumerate(texts):
            try:
                answers.append(self.validate(text, zip=zips and zips[i],
                                             city=cities and cities[i]))
                errors.append(None)
            except Geo311Error as exc:
                answers.append(None)
                errors.append(exc.message)
        return answers, errors

    def _freeze(self, text: str, zip: str | None, city: str | None) -> tuple:
        """The frozen answer for an input not in the cache, now cached."""
        fast = self._fast_key(text, zip, city)
        frozen = None if fast is None else self._by_fast_key.get(fast)
        if frozen is None:
            parsed, read_fast = self._read(text, zip, city)
            understood = _understood_key(parsed)
            frozen = self._by_understood.get(understood)
            if frozen is None:
                frozen = self._answer(parsed, self.matcher.match(parsed))
                _remember(self._by_understood, understood, frozen)
            if read_fast and fast is not None:
                _remember(self._by_fast_key, fast, frozen)
        return _remember(self._answers, (text, zip, city), frozen)

    def _freeze_many(self, keys: list[tuple]) -> dict[tuple, tuple]:
        """The frozen answers of the distinct inputs ``keys`` (text, zip, city), all cached.

        Inputs not in the cache go in chunks through each stage in turn, which keeps
        each stage's code and tables in the processor's caches: read them all, match
        the new readings, locate the new points, then build the answers.
        """
        out: dict[tuple, tuple] = {}
        todo = []
        for key in dict.fromkeys(keys):
            found = self._answers.get(key)
            if found is None:
                todo.append(key)
            else:
                out[key] = found
        for start in range(0, len(todo), _CHUNK):
            self._freeze_chunk(todo[start:start + _CHUNK], out)
        return out

    def _freeze_chunk(self, keys: list[tuple], out: dict[tuple, tuple]) -> None:
        """:meth:`_freeze` of each input in ``keys``, stage by stage; answers into ``out``.

        An understood key is a long tuple whose hash is computed anew at each use: in
        here each gets a number, from one lookup.
        """
        numbers: dict[tuple, int] = {}  # understood key -> its number in this chunk
        understood_keys: list[tuple] = []
        frozen_of: list[tuple | None] = []  # by number: the frozen answer, if known yet
        readings: list[tuple[int, ParsedAddress]] = []  # new readings, with their number
        how: list[tuple[tuple, tuple | None, int]] = []  # input, fast key, number
        by_fast: dict[tuple, int] = {}  # number by fast key, in this chunk
        by_fast_key, by_understood = self._by_fast_key, self._by_understood
        for key in keys:
            fast = fast_key(key[0])
            if fast is not None:
                fast = (fast, key[1], key[2])
                frozen = by_fast_key.get(fast)
                if frozen is not None:
                    out[key] = _remember(self._answers, key, frozen)
                    continue
            number = None if fast is None else by_fast.get(fast)
            if number is None:
                parsed, read_fast = self._read(*key)
                understood = _understood_key(parsed)
                number = numbers.get(understood)
                if number is None:
                    number = numbers[understood] = len(understood_keys)
                    understood_keys.append(understood)
                    frozen_of.append(by_understood.get(understood))
                    if frozen_of[number] is None:
                        readings.append((number, parsed))
                if read_fast and fast is not None:
                    by_fast[fast] = number
                else:
                    fast = None
            how.append((key, fast, number))
        # one street after another: its tables stay at hand
        readings.sort(key=lambda reading: _same_street_first(understood_keys[reading[0]]))
        matches = [self.matcher.match(parsed) for _, parsed in readings]
        statuses = [_status(parsed, match) for (_, parsed), match in zip(readings, matches,
                                                                          strict=True)]
        points = set()
        for match, status in zip(matches, statuses, strict=True):
            best = match.best
            if status in _CONFIDENT and best is not None and best.lon is not None:
                points.add((best.lon, best.lat))
        for lon, lat in sorted(points, key=_near_first):  # neighbors share the locator's tables
            self._locate(lon, lat)
        for (number, parsed), match, status in zip(readings, matches, statuses, strict=True):
            frozen_of[number] = _remember(by_understood, understood_keys[number],
                                          self._answer(parsed, match, status))
        for key, fast, number in how:
            frozen = frozen_of[number]
            if fast is not None:
                _remember(by_fast_key, fast, frozen)
            out[key] = _remember(self._answers, key, frozen)

    @staticmethod
    def _fast_key(text: str, zip: str | None, city: str | None) -> tuple | None:
        """The key of the answers shared by inputs the parser's fast path reads alike."""
        key = fast_key(text)
        return None if key is None else (key, zip, city)

    @staticmethod
    def _read(text: str, zip: str | None, city: str | None) -> tuple[ParsedAddress, bool]:
        """The parse of ``text`` with the form fields filled in, and whether the fast path
        read it."""
        parsed, read_fast = parse_uncached_how(text)
        if zip is not None and parsed.zip is None or city is not None and parsed.city is None:
            parsed = dataclasses.replace(parsed, **{
                k: v for k, v in (("zip", zip), ("city", city))
                if v is not None and getattr(parsed, k) is None})
        return parsed, read_fast

    def _answer(self, parsed: ParsedAddress, match: MatchResult,
                status: Status | None = None) -> tuple:
        """The frozen answer for ``parsed``, its match and status (found when not given): the
        thawer's number, then the leaves in order."""
        if status is None:
            status = _status(parsed, match)
        candidates = None
        if status in _PLACED_STATUSES and match.match_type is MatchType.INTERSECTION \
                and match.best is not None and match.best.spread is not None:
            candidates = self._district_candidates(match.best.spread)
            if any(len(c) > 1 for c in candidates.values()):
                status = Status.APPROXIMATE  # a corner of several districts: confirm which
        best = match.best if status in _CONFIDENT else None
        leaves = [-1, str(status), str(match.match_type), best.address if best else None,
                  best.lon if best else None, best.lat if best else None,
                  confidence(match, parsed)]
        for candidate in match.suggestions:
            leaves += _candidate(candidate)
        leaves += _parsed(parsed)
        leaves += parsed.review_reasons
        leaves += match.notes
        location_shape = redirect = postal_city = None
        certain = candidates_shape = None
        district_leaves: list = [None]
        if best is not None and best.lon is not None:
            frozen_location, location_shape, inside, near = self._locate(best.lon, best.lat)
            leaves += frozen_location[1:]
            if not inside or parsed.city:
                redirect, postal_city = _redirect_and_postal_city(
                    THAWERS.thaw(frozen_location), best, parsed)
            certain = not near
            if best.spread is not None:
                if candidates is None:
                    candidates = self._district_candidates(best.spread)
                certain = certain and all(len(c) == 1 for c in candidates.values())
                district_leaves = []
                candidates_shape = flatten(candidates, district_leaves)
        else:
            leaves.append(None)
        leaves += redirect or (None,)
        leaves += postal_city or (None,)
        leaves += (best.precision_m if best is not None else None, certain)
        leaves += district_leaves
        key = (len(match.suggestions), len(parsed.review_reasons), len(match.notes),
               location_shape, redirect is not None, postal_city is not None, candidates_shape)
        leaves[0] = THAWERS.number(key, lambda: _answer_shape(
            *key[:3], None if location_shape is None else SHAPES[location_shape],
            *key[4:]))
        return tuple(leaves)

    def _district_candidates(self, spread: np.ndarray) -> dict[str, list[dict]]:
        """Per district layer: the districts the spread's samples fall in, each with its
        share of them (most first)."""
        found = self.locator.locate_many(spread[:, 0], spread[:, 1], near_boundary=False)
        out = {}
        for layer in self.locator.districts:
            codes = found.districts[layer.key][found.valid]
            values, counts = np.unique(codes, return_counts=True)
            total = max(int(counts.sum()), 1)
            out[layer.key] = [
                {"id": None if v < 0 else str(layer.ids[v]),
                 "name": None if v < 0 else str(layer.names[v]),
                 "probability": round(int(c) / total, 3)}
                for v, c in sorted(zip(values.tolist(), counts.tolist(), strict=True),
                                   key=lambda vc: (-vc[1], vc[0]))]
        return out

    def _locate(self, lon: float, lat: float) -> tuple[tuple, int, bool, bool]:
        """The frozen ``locate`` answer of a point, the number of its shape, whether the
        point is in the jurisdiction and whether it is near a boundary; cached."""
        found = self._locations.get((lon, lat))
        if found is None:
            location = self.locator.locate(lon, lat)
            number = self._location_shape  # most points share the shape of the last one
            leaves = None if number is None else EXTRACTORS[number](location)
            if leaves is None:
                flat: list = []
                shape = flatten(location, flat)
                number = self._location_shape = register_shape(shape)
                leaves = tuple(flat)
            thawer = THAWERS.number(("location", number), lambda: SHAPES[number])
            found = _remember(self._locations, (lon, lat),
                              ((thawer, *leaves), number, bool(location["in_jurisdiction"]),
                               bool(location["near_boundary"])))
        return found

    def reverse(self, lon: float, lat: float) -> dict:
        """Return the nearest reference address to a point, its distance and the location."""
        location = self.locator.locate(lon, lat)
        address, distance = self.matcher.reverse(location["lon"], location["lat"])
        return {"lon": location["lon"], "lat": location["lat"], "address": address,
                "distance_m": round(distance, 2), "location": location}
