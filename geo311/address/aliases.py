"""Street-name aliases: the alternate names a reference carries, and common abbreviations.

The reference's alias table maps ``(name, suffix)`` as callers write it to ``(name, suffix)``
of a street of the reference ("MASS AVE" -> "MASSACHUSETTS AVE"). It is built from three
sources, the first that names a key wins:

1. the profile's ``aliases`` CSV (``alias,street``);
2. the centreline layer's alternate-name field (``centerline_fields.alias``; Cambridge's
   ``Alias``: "Mass Ave" on Massachusetts Ave, "Msr OBrien Hwy" on Monsignor OBrien Hwy,
   "Edwin H. Land Blvd, Commercial Ave" on Land Blvd: several names separated by commas);
3. :data:`ABBREVIATIONS`, the words callers shorten ("MASSACHUSETTS" -> "MASS",
   "JOHN F KENNEDY" -> "JFK"), applied both ways to every street name of the reference,
   and :data:`TITLES` dropped from the front ("MONSIGNOR OBRIEN" -> "OBRIEN").

An alias never shadows a street: a name and suffix the reference has is not an alias; an
abbreviation that is the name of a street (with any suffix) is not made; nor is an alias
that several streets would claim.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

__all__ = ["ABBREVIATIONS", "TITLES", "AliasKey", "abbreviation_aliases", "field_aliases",
           "merge_aliases"]

#: ``(name, suffix)`` of a street, as the alias table keys it.
AliasKey = tuple[str, str | None]

ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("MASSACHUSETTS", "MASS"),
    ("MEMORIAL", "MEM"),
    ("MONSIGNOR", "MSGR"),
    ("JOHN F KENNEDY", "JFK"),
    ("MARTIN LUTHER KING JR", "MLK"),
    ("MARTIN LUTHER KING", "MLK"),
    ("COMMONWEALTH", "COMM"),
    ("GENERAL", "GEN"),
    ("GOVERNOR", "GOV"),
    ("PRESIDENT", "PRES"),
    ("CAPTAIN", "CAPT"),
    ("SERGEANT", "SGT"),
    ("PROFESSOR", "PROF"),
    ("REVEREND", "REV"),
)
"""``(long, short)`` word sequences of street names that callers write either way."""

TITLES = frozenset({"MONSIGNOR", "MSGR", "GENERAL", "GEN", "GOVERNOR", "GOV", "PRESIDENT",
                    "CAPTAIN", "CAPT", "SERGEANT", "SGT", "PROFESSOR", "REVEREND", "REV"})
"""Titles a caller may leave out at the front of a name ("O'Brien Hwy")."""


def field_aliases(pairs: Iterable[tuple[str, AliasKey]],
                  parse_street: Callable[[str], tuple | None]) -> dict[AliasKey, AliasKey]:
    """Aliases from an alternate-name field: ``(field text, street key)`` per feature.

    The text may hold several names separated by commas; each is parsed as a street
    ("Mass Ave" -> ``("MASS", "AVE")``). A name equal to its street's is no alias, nor is a
    name that features of several streets carry (Cambridge's "Industrial Park Rd").
    """
    found: dict[AliasKey, set[AliasKey]] = {}
    for text, target in pairs:
        for part in text.split(","):
            key = parse_street(part.strip().rstrip("?").strip()) if part.strip() else None
            if key is None:
                continue
            alias = (key[1], key[2])
            if alias != target:
                found.setdefault(alias, set()).add(target)
    return {alias: next(iter(targets)) for alias, targets in found.items()
            if len(targets) == 1}


def _variants(name: str) -> set[str]:
    """Other ways of writing ``name``: each abbreviation applied either way, a title dropped."""
    words = name.split()
    out = set()
    for long, short in ABBREVIATIONS:
        for old, new in ((long.split(), short.split()), (short.split(), long.split())):
            for i in range(len(words) - len(old) + 1):
                if words[i:i + len(old)] == old:
                    out.add(" ".join(words[:i] + new + words[i + len(old):]))
    if len(words) > 1 and words[0] in TITLES and len(" ".join(words[1:])) >= 3:
        out.add(" ".join(words[1:]))
    out.discard(name)
    return out


def abbreviation_aliases(keys: Iterable[AliasKey]) -> dict[AliasKey, AliasKey]:
    """Aliases made by :data:`ABBREVIATIONS` and :data:`TITLES` from the streets ``keys``.

    A variant that names a street of ``keys``, or that two different streets would make,
    is left out.
    """
    keys = set(keys)
    names = {name for name, _ in keys}
    found: dict[AliasKey, set[AliasKey]] = {}
    for name, suffix in keys:
        for variant in _variants(name):
            if variant not in names:
                found.setdefault((variant, suffix), set()).add((name, suffix))
    return {alias: next(iter(targets)) for alias, targets in found.items()
            if len(targets) == 1}


def merge_aliases(streets: Iterable[AliasKey],
                  *tables: dict[AliasKey, AliasKey]) -> dict[AliasKey, AliasKey]:
    """The alias table of a reference: ``tables`` in order of precedence, without an alias
    that is a street of ``streets`` or points to no street of it."""
    streets = set(streets)
    names = {name for name, _ in streets}
    out: dict[AliasKey, AliasKey] = {}
    for table in tables:
        for alias, target in table.items():
            if alias not in streets and target[0] in names:
                out.setdefault(alias, target)
    return out
