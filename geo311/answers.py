"""The shapes of the answers, written once: ``locate``'s and ``validate``'s, and their CSV columns.

:meth:`Locator.locate <geo311.jurisdiction.Locator.locate>` returns a :class:`LocateAnswer`
and :meth:`Validator.validate <geo311.address.validate.Validator.validate>` a
:class:`ValidateAnswer`; their keys come in the order declared here. The columns that
``locate --csv`` and ``validate --csv`` add are named by their path in these answers
(:func:`locate_csv_columns`, :func:`validate_csv_columns`), each path checked against the
declarations when this module is imported.
"""

from __future__ import annotations

import typing
from typing import Any, TypedDict

__all__ = ["AgencyAnswer", "AlternativeAnswer", "CandidateAnswer", "DistrictCandidateAnswer",
           "FeatureAnswer",
           "JurisdictionAnswer", "LocateAnswer", "NearestAgencyAnswer", "PostalCityAnswer",
           "RedirectAnswer", "UnderstoodAnswer", "ValidateAnswer", "AnswerPath", "DISTRICT",
           "declared_path", "keys_of", "locate_csv_columns", "validate_csv_columns",
           "value_at"]


# -- locate ----------------------------------------------------------------------------------

class FeatureAnswer(TypedDict):
    """A district feature: ``districts[key]``."""

    id: str
    name: str


class JurisdictionAnswer(TypedDict):
    """The profile's city."""

    id: str
    name: str


class AgencyAnswer(TypedDict):
    """An agency and how to reach it."""

    id: str
    name: str
    phone: str | None
    url: str | None


class NearestAgencyAnswer(AgencyAnswer):
    """The closest agency to a point that no agency covers."""

    distance_m: float


class AlternativeAnswer(TypedDict, total=False):
    """What lies within the near-boundary distance on the other side of an edge: ``layer``
    is ``"agency"`` (with ``phone`` and ``url``) or a district key (without)."""

    layer: str
    id: str
    name: str
    phone: str | None
    url: str | None
    distance_m: float


class LocateAnswer(TypedDict):
    """Who serves a point (see the README's table)."""

    lon: float
    lat: float
    in_jurisdiction: bool
    jurisdiction: JurisdictionAnswer
    agency: AgencyAnswer | None
    nearest_agency: NearestAgencyAnswer | None
    districts: dict[str, FeatureAnswer | None]
    boundary_distance_m: float
    near_boundary: bool
    alternatives: list[AlternativeAnswer]


# -- validate --------------------------------------------------------------------------------

class CandidateAnswer(TypedDict):
    """A suggested address, best first."""

    address: str
    lon: float | None
    lat: float | None
    zip: str | None
    match_type: str
    score: float
    reason: str | None


class UnderstoodAnswer(TypedDict):
    """What the parser read in the text (and the form fields)."""

    kind: str
    number: int | None
    number_suffix: str | None
    number_high: int | None
    street: str | None
    cross_street: str | None
    unit: str | None
    city: str | None
    state: str | None
    zip: str | None
    po_box: str | None


class RedirectAnswer(TypedDict):
    """For an address outside the city: who serves it, and the sentence to read."""

    id: str | None
    name: str | None
    phone: str | None
    url: str | None
    message: str


class PostalCityAnswer(TypedDict):
    """The city given (form field or text) against the agency serving the address."""

    given: str
    serving: str
    differs: bool


class DistrictCandidateAnswer(TypedDict):
    """A district a street-level answer may lie in, with the share of its spread there."""

    id: str | None
    name: str | None
    probability: float


class ValidateAnswer(TypedDict):
    """The validation of one address."""

    input: str
    status: str
    match_type: str
    address: str | None
    lon: float | None
    lat: float | None
    confidence: float
    suggestions: list[CandidateAnswer]
    understood: UnderstoodAnswer
    review_reasons: list[str]
    notes: list[str]
    location: LocateAnswer | None
    redirect: RedirectAnswer | None
    postal_city: PostalCityAnswer | None
    precision_m: float | None
    district_certain: bool | None
    district_candidates: dict[str, list[DistrictCandidateAnswer]] | None


# -- paths into answers, and the CSV columns ------------------------------------------------

DISTRICT = "{key}"
"""A path step into ``districts``: stands for each district layer's key."""

AnswerPath = tuple[str | int, ...]


def keys_of(answer_type: type) -> tuple[str, ...]:
    """The keys a TypedDict declares, in order."""
    return tuple(typing.get_type_hints(answer_type))


def declared_path(answer_type: type, path: AnswerPath) -> AnswerPath:
    """Return ``path`` after checking that ``answer_type`` declares each of its steps.

    A step is a key of a TypedDict, an int (an item of a list) or :data:`DISTRICT` (a
    value of a ``dict[str, ...]``). Raises ``KeyError`` for a step not declared.
    """
    current: Any = answer_type
    for step in path:
        current = _without_none(current)
        if isinstance(step, int):
            current = typing.get_args(current)[0]
        elif step == DISTRICT:
            current = typing.get_args(current)[1]
        else:
            hints = typing.get_type_hints(current) if typing.is_typeddict(current) else {}
            if step not in hints:
                raise KeyError(f"{step!r} is not a key of {getattr(current, '__name__', current)}")
            current = hints[step]
    return path


def _without_none(hint: Any) -> Any:
    """``X`` for ``X | None``, else ``hint``."""
    args = typing.get_args(hint)
    if type(None) in args:
        rest = [arg for arg in args if arg is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return hint


def value_at(answer: Any, path: AnswerPath) -> Any:
    """The value at ``path`` in ``answer``; None where a step finds none (a None part, an
    empty list)."""
    for step in path:
        if answer is None:
            return None
        if isinstance(step, int):
            answer = answer[step] if step < len(answer) else None
        else:
            answer = answer.get(step)
    return answer


def _columns(answer_type: type, spec: tuple[tuple[str, AnswerPath], ...],
             district_keys: list[str]) -> list[tuple[str, AnswerPath]]:
    out = []
    for column, path in spec:
        declared_path(answer_type, path)
        if DISTRICT in path:
            out += [(column.format(key=key), tuple(key if step == DISTRICT else step
                                                   for step in path))
                    for key in district_keys]
        else:
            out.append((column, path))
    return out


_LOCATE_CSV = (
    ("in_jurisdiction", ("in_jurisdiction",)),
    ("agency_id", ("agency", "id")),
    ("agency_name", ("agency", "name")),
    ("agency_phone", ("agency", "phone")),
    ("{key}_id", ("districts", DISTRICT, "id")),
    ("near_boundary", ("near_boundary",)),
)
_VALIDATE_CSV = (
    ("status", ("status",)),
    ("match_type", ("match_type",)),
    ("address", ("address",)),
    ("lon", ("lon",)),
    ("lat", ("lat",)),
    ("confidence", ("confidence",)),
    ("precision_m", ("precision_m",)),
    ("district_certain", ("district_certain",)),
    ("in_jurisdiction", ("location", "in_jurisdiction")),
    ("agency_id", ("location", "agency", "id")),
    ("agency_name", ("location", "agency", "name")),
    ("{key}_id", ("location", "districts", DISTRICT, "id")),
    ("postal_city", ("postal_city", "given")),
    ("postal_city_differs", ("postal_city", "differs")),
    ("suggestion_1", ("suggestions", 0, "address")),
)
for _spec, _type in ((_LOCATE_CSV, LocateAnswer), (_VALIDATE_CSV, ValidateAnswer)):
    _columns(_type, _spec, [])  # every path declared, checked on import


def locate_csv_columns(district_keys: list[str]) -> list[tuple[str, AnswerPath]]:
    """The columns ``locate_csv`` adds before ``error``, each with its path in a
    :class:`LocateAnswer` (one ``<key>_id`` per district layer, in the given order)."""
    return _columns(LocateAnswer, _LOCATE_CSV, district_keys)


def validate_csv_columns(district_keys: list[str]) -> list[tuple[str, AnswerPath]]:
    """The columns ``validate_csv`` adds before ``error``, each with its path in a
    :class:`ValidateAnswer` (one ``<key>_id`` per district layer, in the given order)."""
    return _columns(ValidateAnswer, _VALIDATE_CSV, district_keys)
