"""Validate a free-text address at intake: parse, match, locate, redirect.

:class:`Validator` ties the parser, the address reference and the locate engine
together for one profile. ``validate(text)`` returns a JSON-ready dict with the
canonical address, coordinates, a status and a confidence, ranked suggestions,
the full ``locate`` answer and, for an address outside the city, the agency to
redirect the caller to.
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum
from functools import lru_cache

from geo311.address.match import Candidate, Matcher, MatchResult, MatchType
from geo311.address.parse import AddressKind, ParsedAddress, parse
from geo311.address.reference import AddressReference
from geo311.errors import InputError
from geo311.jurisdiction import Locator
from geo311.profile import Profile

__all__ = ["Status", "Validator", "redirect_message"]


class Status(StrEnum):
    """What the validator concluded about an address."""

    VALID = "valid"                # found as given (case, spacing and abbreviations aside)
    CORRECTED = "corrected"        # found after correcting the input (reason in suggestions)
    AMBIGUOUS = "ambiguous"        # several equally good candidates: ask the caller
    NOT_FOUND = "not_found"        # no such address (the street may exist: see match_type)
    NEEDS_REVIEW = "needs_review"  # the input could not be understood with confidence
    REJECTED = "rejected"          # understood, but not a service location (PO box)


# Prior confidence of each match type, before the candidate's own score (see `confidence`).
_TYPE_CONFIDENCE = {
    MatchType.EXACT: 1.0,
    MatchType.EXACT_IGNORING_UNIT: 0.97,
    MatchType.INTERSECTION: 0.95,
    MatchType.CENTERLINE: 0.9,
    MatchType.POINT_INTERPOLATED: 0.85,
    MatchType.FUZZY: 0.8,
    MatchType.STREET_ONLY: 0.3,
    MatchType.NOT_FOUND: 0.0,
}
_FOUND = {MatchType.EXACT, MatchType.EXACT_IGNORING_UNIT, MatchType.INTERSECTION,
          MatchType.CENTERLINE, MatchType.POINT_INTERPOLATED}
CACHE_SIZE = 65_536
"""Recent matches and locations a :class:`Validator` keeps."""
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

    A parse that needs review caps the confidence at 0.5; an ambiguous fuzzy
    match (a runner-up within 0.05 of the best) at 0.5 too.
    """
    best = match.best
    if best is None:
        return 0.0
    value = _TYPE_CONFIDENCE[match.match_type] * best.score
    if parsed.needs_review or _is_ambiguous(match):
        value = min(value, 0.5)
    return round(max(0.0, min(1.0, value)), 3)


def _is_ambiguous(match: MatchResult) -> bool:
    if match.match_type != MatchType.FUZZY or len(match.suggestions) < 2:
        return False
    first, second = match.suggestions[0], match.suggestions[1]
    return first.address != second.address and first.score - second.score < 0.05


def _status(parsed: ParsedAddress, match: MatchResult) -> Status:
    if parsed.kind == AddressKind.PO_BOX:
        return Status.REJECTED
    if parsed.needs_review or parsed.kind == AddressKind.UNKNOWN:
        return Status.NEEDS_REVIEW
    if match.match_type in _FOUND:
        reason = match.best.reason if match.best else None
        return Status.VALID if not reason or reason.startswith("unit") else Status.CORRECTED
    if match.match_type == MatchType.FUZZY:
        return Status.AMBIGUOUS if _is_ambiguous(match) else Status.CORRECTED
    return Status.NOT_FOUND


def _candidate(candidate: Candidate) -> dict:
    return {"address": candidate.address, "lon": candidate.lon, "lat": candidate.lat,
            "zip": candidate.zip, "match_type": str(candidate.match_type),
            "score": round(candidate.score, 3), "reason": candidate.reason}


def _parsed(parsed: ParsedAddress) -> dict:
    street = parsed.street.full if parsed.street else None
    cross = parsed.cross_street.full if parsed.cross_street else None
    return {"kind": str(parsed.kind), "number": parsed.number,
            "number_suffix": parsed.number_suffix, "number_high": parsed.number_high,
            "street": street, "cross_street": cross, "unit": parsed.unit, "city": parsed.city,
            "state": parsed.state, "zip": parsed.zip, "po_box": parsed.po_box}


def _copy_location(location: dict) -> dict:
    """A copy of a cached ``locate`` answer that the caller may change freely."""
    def copy(value: dict | None) -> dict | None:
        return dict(value) if value is not None else None

    return {**location, "jurisdiction": dict(location["jurisdiction"]),
            "agency": copy(location["agency"]),
            "nearest_agency": copy(location["nearest_agency"]),
            "districts": {key: copy(value) for key, value in location["districts"].items()},
            "alternatives": [dict(a) for a in location["alternatives"]]}


class Validator:
    """Validate addresses for one profile; build once, call often.

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
        # intake traffic repeats addresses: keep recent matches and locations
        self._matches: dict[tuple, MatchResult] = {}
        self._locate = lru_cache(maxsize=CACHE_SIZE)(self.locator.locate)

    def validate(self, text: str, *, zip: str | None = None, city: str | None = None) -> dict:
        """Return the validation of one free-text address as a JSON-ready dict.

        ``zip`` and ``city`` fill in what the text does not say (a separate form
        field). Raises :class:`InputError` only for a non-string input.
        """
        if not isinstance(text, str):
            raise InputError(f"an address must be text, not {type(text).__name__}")
        parsed = parse(text)
        fill = {k: v.strip().upper() for k, v in (("zip", zip), ("city", city))
                if v and v.strip() and getattr(parsed, k) is None}
        if fill:
            parsed = dataclasses.replace(parsed, **fill)
        match = self._match(parsed)
        status = _status(parsed, match)
        confident = status in (Status.VALID, Status.CORRECTED)
        best = match.best if confident else None
        answer = {
            "input": text,
            "status": str(status),
            "match_type": str(match.match_type),
            "address": best.address if best else None,
            "lon": best.lon if best else None,
            "lat": best.lat if best else None,
            "confidence": confidence(match, parsed),
            "suggestions": [_candidate(c) for c in match.suggestions],
            "understood": _parsed(parsed),
            "review_reasons": list(parsed.review_reasons),
            "notes": list(match.notes),
            "location": None,
            "redirect": None,
            "postal_city": None,
        }
        if best is not None and best.lon is not None:
            self._place(answer, best, parsed)
        return answer

    def _match(self, parsed: ParsedAddress) -> MatchResult:
        """The matcher's answer, from the cache when the same address was parsed before.

        The key holds every field the matcher reads (not the raw text), so "1200 n main"
        and "1200 N MAIN" share an entry.
        """
        key = (parsed.kind, parsed.number, parsed.number_suffix, parsed.number_high,
               parsed.street, parsed.cross_street, parsed.unit, parsed.city, parsed.state,
               parsed.zip, parsed.po_box, parsed.needs_review)
        found = self._matches.get(key)
        if found is None:
            if len(self._matches) >= CACHE_SIZE:
                self._matches.clear()
            found = self._matches[key] = self.matcher.match(parsed)
        return found

    def _place(self, answer: dict, best: Candidate, parsed: ParsedAddress) -> None:
        """Add the location, the redirect for outside addresses and the postal-city check."""
        location = _copy_location(self._locate(best.lon, best.lat))
        answer["location"] = location
        if not location["in_jurisdiction"]:
            agency = location["agency"]
            answer["redirect"] = {
                **{k: (agency or {}).get(k) for k in ("id", "name", "phone", "url")},
                "message": redirect_message(best.address, location["jurisdiction"]["name"],
                                            agency, location["nearest_agency"]),
            }
        if parsed.city:
            serving = (location["agency"] or location["nearest_agency"] or {}).get("name") or ""
            simple = serving.lower()
            for prefix in _PLACE_PREFIXES:
                simple = simple.removeprefix(prefix + " ")
            answer["postal_city"] = {"given": parsed.city, "serving": serving,
                                     "differs": parsed.city.lower() != simple}

    def reverse(self, lon: float, lat: float) -> dict:
        """Return the nearest reference address to a point, its distance and the location."""
        location = self.locator.locate(lon, lat)
        address, distance = self.matcher.reverse(location["lon"], location["lat"])
        return {"lon": location["lon"], "lat": location["lat"], "address": address,
                "distance_m": round(distance, 2), "location": location}
