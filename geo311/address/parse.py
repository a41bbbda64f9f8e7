"""Parse one free-text US address into USPS Publication 28 parts.

Three labelers feed one builder:

- the fast path, a compiled regular expression for the common well-formed shape
  ``NUMBER [DIR] NAME SUFFIX [DIR] [UNIT][, CITY][, ST][ ZIP]`` (digits for the
  number, a known Pub 28 suffix), labels the tokens without the CRF model;
- intersections ("6TH ST AT LORENA ST, 90063", "corner of Main and Oak"),
  which usaddress often misreads (house number "6TH", place "AT ANAHEIM"), are
  labelled by street rules around the separator;
- the general path runs usaddress's CRF model, then a correction layer fixes its
  known silent failures (a place name swallowed by the unit identifier, a second
  address read as part of the street name, a house number in words) and flags
  what it cannot settle.

Both paths label the tokens of ``usaddress.tokenize`` with usaddress's label
names, so ``ParsedAddress.labels`` can be compared token by token with usaddress
and with its labelled corpus. The one rewrite before tokenizing: "/" between two
words or a spaced "@" is an intersection separator and becomes "&" ("Main St/Oak Ave").

A doubtful parse is a result, never an error: ``needs_review`` is set and
``review_reasons`` says why. Only a non-string input raises (:class:`InputError`).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import usaddress

from geo311.address.normalize import (
    DIRECTIONALS,
    ORDINAL_WORDS,
    STATES,
    SUFFIXES,
    UNIT_DESIGNATORS,
    UNITS_WITHOUT_IDENTIFIER,
    Street,
    format_line,
    normalize_directional,
    normalize_state,
    normalize_street_name,
    normalize_suffix,
    normalize_unit,
)
from geo311.errors import InputError

__all__ = [
    "FAST_SUFFIXES",
    "AddressKind",
    "ParsedAddress",
    "Street",
    "build_parsed",
    "build_parsed_fast",
    "clear_cache",
    "crf_labels",
    "fast_key",
    "fast_labels",
    "intersection_labels",
    "parse",
    "parse_uncached",
    "parse_uncached_how",
    "tokenize",
]

MAX_LENGTH = 300
NO_US_ADDRESS = "no US address found"  # the review reason of text with no number and no street
CACHE_SIZE = 2**16

# usaddress label names.
NUMBER, NUMBER_SUFFIX = "AddressNumber", "AddressNumberSuffix"
PRE_MODIFIER, PRE_DIR, PRE_TYPE = (
    "StreetNamePreModifier", "StreetNamePreDirectional", "StreetNamePreType"
)  # fmt: skip
NAME, POST_TYPE, POST_DIR = "StreetName", "StreetNamePostType", "StreetNamePostDirectional"
OCC_TYPE, OCC_ID = "OccupancyType", "OccupancyIdentifier"
SUB_TYPE, SUB_ID = "SubaddressType", "SubaddressIdentifier"
PLACE, STATE, ZIP = "PlaceName", "StateName", "ZipCode"
BOX_TYPE, BOX_ID = "USPSBoxType", "USPSBoxID"
BOX_GROUP_TYPE, BOX_GROUP_ID = "USPSBoxGroupType", "USPSBoxGroupID"
SEPARATOR, CORNER = "IntersectionSeparator", "CornerOf"
STREET_LABELS = frozenset({PRE_MODIFIER, PRE_DIR, PRE_TYPE, NAME, POST_TYPE, POST_DIR})


class AddressKind(StrEnum):
    """What an input turned out to be."""

    ADDRESS = "address"
    INTERSECTION = "intersection"
    PO_BOX = "po_box"
    STREET = "street"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ParsedAddress:
    """One parsed address; parts are normalized per USPS Publication 28.

    ``number`` is None on an ADDRESS when a house number was written but could
    not be read as digits ("one two three main street"); ``needs_review`` is
    then set. ``labels`` pairs each token of the input with its usaddress label
    after our corrections. Only a suffix after the name is abbreviated; a type
    before it stays part of the name as written ("AVENUE 57", "US HIGHWAY 50"),
    as Pub 28 leaves a suffix word that is the name unabbreviated.
    """

    input: str
    kind: AddressKind
    number: int | None
    number_suffix: str | None
    number_high: int | None
    street: Street | None
    cross_street: Street | None
    unit: str | None
    city: str | None
    state: str | None
    zip: str | None
    po_box: str | None
    needs_review: bool
    review_reasons: tuple[str, ...]
    labels: tuple[tuple[str, str], ...]

    @property
    def number_text(self) -> str | None:
        """Return the house number as written on a delivery line: "123-125", "123 1/2"."""
        if self.number is None:
            return None
        text = str(self.number)
        if self.number_high is not None:
            text += f"-{self.number_high}"
        if self.number_suffix:
            sep = " " if "/" in self.number_suffix else ""
            text += sep + self.number_suffix
        return text

    def line(self) -> str:
        """Return the canonical delivery line: "1234 N MAIN ST APT 5", "MAIN ST & 5TH AVE".

        A PO box gives "PO BOX 123"; an UNKNOWN input gives "".
        """
        if self.kind is AddressKind.INTERSECTION and self.street and self.cross_street:
            return f"{self.street.full} & {self.cross_street.full}"
        if self.kind is AddressKind.PO_BOX:
            return self.po_box or ""
        if self.kind is AddressKind.UNKNOWN:
            return ""
        return format_line(self.number_text, self.street, self.unit)


# usaddress's tokenizer (``usaddress.tokenize``), compiled once.
_TOKEN = re.compile(r"\(*\b[^\s,;#&()]+[.,;)\n]*|[#&]", re.UNICODE)


def tokenize(text: str) -> list[str]:
    """Return the tokens ``usaddress.tokenize`` finds in ``text``, faster."""
    return _TOKEN.findall(text.replace("&#38;", "&").replace("&amp;", "&"))


def _alternation(words) -> str:
    """Return a regex matching any of the plain words, as a trie (fast to match).

    The caller adds the word boundary; longer words are tried before their prefixes.
    """
    trie: dict = {}
    for word in {w for w in words if re.fullmatch(r"[A-Z]+", w)}:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _trie_pattern(trie)


def _trie_pattern(node: dict) -> str:
    """Return the regex of one trie node (``""`` marks the end of a word)."""
    branches = [ch + _trie_pattern(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


#: Suffixes the fast path accepts: the thoroughfare types, not the words that also
#: end names ("N Central Park", "World Trade Center", "Barn Hill").
FAST_SUFFIXES = frozenset(
    k for k, v in SUFFIXES.items()
    if v in {"ALY", "AVE", "BLVD", "CIR", "CT", "DR", "EXPY", "FWY", "HWY", "LN", "PKWY",
             "PL", "RD", "ST", "TER", "WAY"}
)  # fmt: skip
_END = r"(?=[\s,]|$)"
_DIR = rf"(?:{_alternation(DIRECTIONALS)})\.?{_END}"
_SUF = rf"(?:{_alternation(SUFFIXES)})\.?{_END}"
_FAST_SUF = rf"(?:{_alternation(FAST_SUFFIXES)})\.?{_END}"
_UNIT_TYPES = _alternation(k for k, v in UNIT_DESIGNATORS.items()
                           if v not in UNITS_WITHOUT_IDENTIFIER and v != "#")
_UNIT_OR_ORDINAL = _alternation([*UNIT_DESIGNATORS, *ORDINAL_WORDS])
_NOT_PLACE = rf"(?:{_SUF}|{_DIR}|(?:{_UNIT_OR_ORDINAL}){_END})"
# "NE" is also a directional ("Peachtree Street, NE").
_STATE = rf"(?:{_alternation(c for c in STATES if len(c) == 2 and c != 'NE')}){_END}"
_WORD = rf"(?:(?!{_DIR})[A-Z][A-Z']+|\d+(?:ST|ND|RD|TH)){_END}"
_CITY_WORD = rf"(?!{_NOT_PLACE})[A-Z][A-Z']+{_END}"
_CITY = rf"{_CITY_WORD}(?:\ {_CITY_WORD}){{0,3}}"
_ZIP_RE = r"\d{5}(?:-\d{4})?"
_UNIT_ID = rf"(?:[A-Z]?\d+[A-Z]?|[A-Z]){_END}"
_FAST_PATTERN = rf"""
    (?P<number>\d+(?:-\d+)?)
    (?:\ (?P<predir>{_DIR}))?
    \ (?P<name>\d+|{_WORD}(?:\ (?!{_SUF}){_WORD}){{0,3}}?)
    \ (?P<suffix>{_FAST_SUF})
    (?:\ (?P<postdir>{_DIR}))?
    (?:,?\ (?P<unit>(?:(?P<utype>(?:{_UNIT_TYPES})\.?)\ (?:\#\ ?)?|\#\ ?){_UNIT_ID}))?
    (?:
        (?:,\ ?|\ )(?P<city>{_CITY}),?\ (?P<state>{_STATE})
        (?:,?\ (?P<zip>{_ZIP_RE}))?
      | ,?\ (?P<state_only>{_STATE})(?:,?\ (?P<state_zip>{_ZIP_RE}))?
      | ,\ ?(?P<city_only>{_CITY})(?:,?\ (?P<city_zip>{_ZIP_RE}))?
      | ,?\ (?P<zip_only>{_ZIP_RE})
    )?
    [.,]?
    """
_FAST = re.compile(_FAST_PATTERN, re.IGNORECASE | re.VERBOSE)
_FAST_GROUPS = (
    ("number", NUMBER), ("predir", PRE_DIR), ("name", NAME), ("suffix", POST_TYPE),
    ("postdir", POST_DIR), ("utype", OCC_TYPE), ("unit", OCC_ID),
    ("city", PLACE), ("city_only", PLACE), ("state", STATE), ("state_only", STATE),
    ("zip", ZIP), ("city_zip", ZIP), ("state_zip", ZIP), ("zip_only", ZIP),
)  # fmt: skip
_FAST_GROUP_INDEX = tuple((_FAST.groupindex[group], label) for group, label in _FAST_GROUPS)


def _ambiguous(match: re.Match, text: str) -> bool:
    """Return True if the tail reads two ways: "Lindberg St Louis MO", ", District of Columbia"."""
    if match["city_only"]:
        words = match["city_only"].upper().split()
        return any(" ".join(words[i:]) in STATES for i in range(len(words)))
    if match["city"] is None:
        return False
    before = text[match.end("unit") if match["unit"] else match.end("suffix") : match.start("city")]
    if "," in before:
        return False
    if match["postdir"]:
        return True
    one_word = " " not in match["city"]
    return not match["unit"] and one_word and normalize_suffix(match["suffix"]) == "ST"


def fast_labels(text: str) -> list[tuple[str, str]] | None:
    """Return the labelled tokens of a well-formed address, or None if the fast path does not apply.

    Notes
    -----
    Applies to ASCII input of the shape ``NUMBER [DIR] NAME SUFFIX [DIR] [UNIT]
    [, CITY][, ST][ ZIP]`` only, read one way only: a thoroughfare suffix
    (:data:`FAST_SUFFIXES`), a name of one to four words with no suffix word
    after its first ("Park Ave" but not "Old Mill Rd") and no directional, a
    first name word of two letters or more ("1809 C Cross Beam Dr" has a number
    suffix), a city of words that are not suffixes, directionals, unit words or
    ordinals, no city right after a post-directional or a one-word city right
    after "ST" without a comma ("Westwind Dr North Palm Beach FL", "Lindberg St
    Louis MO"; "Main St Los Angeles CA" is fine), and no
    state name ending a city that has no state after it.
    ``parse`` falls back to usaddress otherwise.
    """
    collapsed = " ".join(text.split())
    if not collapsed.isascii():
        return None
    match = _FAST.fullmatch(collapsed)
    if match is None or _ambiguous(match, collapsed):
        return None
    # Each token takes the label of the first group (in _FAST_GROUPS order) that holds its
    # start. The groups that took part follow each other in the text, but for the unit's
    # type, which starts the unit and comes first: one pass over tokens and groups suffices.
    regs = match.regs
    spans = [(*regs[index], label) for index, label in _FAST_GROUP_INDEX if regs[index][0] >= 0]
    out: list[tuple[str, str]] = []
    pos = k = 0
    n = len(spans)
    for token in tokenize(collapsed):
        pos = collapsed.find(token, pos)
        while k < n and spans[k][1] <= pos:
            k += 1
        if k == n or pos < spans[k][0]:
            return None
        out.append((token, spans[k][2]))
        pos += len(token)
    return out


# --- the general path: usaddress, then corrections ------------------------------------------

# "/" between words of two characters or more ("Main St/Oak Ave", not "c/o" or "1/2"),
# or "@" between spaces.
_WORD_SEPARATOR = re.compile(
    r"(?<=[A-Za-z]{2})\s*/\s*(?=[A-Za-z0-9]{2})|(?<=[A-Za-z0-9.]{2})\s*/\s*(?=[A-Za-z]{2})|\s+@\s+"
)
_ZIP5 = re.compile(r"(\d{5})(?:-?\d{4})?")
_SEPARATOR_WORDS = frozenset({"&", "AND", "AT"})
_HOUSE_NUMBER = re.compile(r"\d+(?!\d*(?:ST|ND|RD|TH|D)$)")  # "123", "123A", not "6TH"
_CARDINALS = frozenset(
    "ZERO ONE TWO THREE FOUR FIVE SIX SEVEN EIGHT NINE TEN ELEVEN TWELVE".split()
)


def _clean(token: str) -> str:
    """Return a token uppercase without surrounding punctuation."""
    return token.upper().strip(",;.()")


def _crf(tokens: list[str]) -> list[str]:
    """Return usaddress's CRF labels for ``tokens``."""
    return list(usaddress.TAGGER.tag(usaddress.tokens2features(tokens)))


def _repeated_label(labels: list[str]) -> str | None:
    """Return the label that makes ``usaddress.tag`` raise RepeatedLabelError, or None."""
    seen: set[str] = set()
    last = None
    crossed = False
    for label in labels:
        crossed = crossed or label == SEPARATOR
        key = "Second" + label if crossed and "StreetName" in label else label
        if key != last and key in seen:
            return label
        seen.add(key)
        last = key
    return None


def _street_labels(tokens: list[str]) -> list[str]:
    """Label the tokens of one street written alone: [DIR] NAME [SUFFIX [DIR]].

    The suffix is the last suffix word after the first word ("CRESCENT HEIGHTS
    BLVD", "AVENUE 59"); a lone suffix after a directional is the name's ("N ST").
    """
    words = [_clean(t) for t in tokens]
    labels = [NAME] * len(words)
    start = 1 if len(words) >= 2 and words[0] in DIRECTIONALS else 0
    if start and len(words) == 2 and words[1] in SUFFIXES:
        return [NAME, POST_TYPE]
    labels[:start] = [PRE_DIR] * start
    for j in range(len(words) - 1, start, -1):
        if words[j] in SUFFIXES:
            labels[j] = POST_TYPE
            if j + 1 < len(words) and words[j + 1] in DIRECTIONALS:
                labels[j + 1] = POST_DIR
            break
    return labels


def _tail_labels(tokens: list[str]) -> list[str]:
    """Label what follows a street: [PLACE...] [STATE] [ZIP]."""
    words = [_clean(t) for t in tokens]
    labels = [PLACE] * len(words)
    end = len(words)
    if end and _ZIP5.fullmatch(words[end - 1]):
        labels[end - 1], end = ZIP, end - 1
    if end and words[end - 1] in STATES:
        labels[end - 1] = STATE
    return labels


_CORNER_WORDS = frozenset({"CORNER", "INTERSECTION", "OF", "CNR"})
_NOT_IN_INTERSECTIONS = frozenset(
    "APT APARTMENT BLDG BOX BUILDING FL FLOOR RM ROOM STE SUITE UNIT".split()
)


def _street_end(words: list[str], start: int) -> int:
    """Return where a street starting at ``words[start - 1]`` ends, without a comma to tell.

    After its suffix words and a directional ("OAK AVE N | LOS ANGELES"); with no
    suffix, before a trailing state and ZIP.
    """
    j = next((i for i in range(start, len(words)) if words[i] in SUFFIXES), None)
    if j is None:
        tail = _tail_labels(words[start - 1 :])
        return len(words) - sum(lab in (STATE, ZIP) for lab in tail)
    while j + 1 < len(words) and words[j + 1] in SUFFIXES:
        j += 1
    return j + 2 if j + 1 < len(words) and words[j + 1] in DIRECTIONALS else j + 1


def _starts_address(tokens: list[str], i: int) -> bool:
    """Return True if ``tokens[i:]`` read as "123 Main St": a number followed by a name.

    "Highway 28 And 55," and "Hwys 16 And 63 North" name numbered highways instead.
    """
    if not _HOUSE_NUMBER.match(_clean(tokens[i])) or tokens[i].endswith(","):
        return False
    return i + 1 < len(tokens) and _clean(tokens[i + 1]) not in DIRECTIONALS


def intersection_labels(text: str) -> list[tuple[str, str]] | None:
    """Label "Main St & 5th Ave", "6TH ST AT LORENA ST, 90063", "corner of Main and Oak".

    Returns None unless the text has a separator ("&", "and", "at") between two
    streets, neither side starts with a house number ("Starbucks at 123 Main
    St" goes to usaddress), and no word names a unit
    or a box ("Suite 100 at 123 Main St" goes to usaddress). usaddress reads many of
    these as an address numbered "6TH", "SAN" or "LA", or as a place "AT ANAHEIM",
    so they are labelled here, by the street rules of :func:`_street_labels`.
    The second street ends at a comma or after its suffix (and directional);
    the rest is place, state and ZIP.
    """
    tokens = tokenize(text)
    words = [_clean(t) for t in tokens]
    start = 0
    while start < len(words) and words[start] in _CORNER_WORDS:
        start += 1
    sep = next((i for i in range(start + 1, len(words) - 1) if words[i] in _SEPARATOR_WORDS), None)
    if sep is None or _HOUSE_NUMBER.match(words[start]) or _starts_address(tokens, sep + 1):
        return None
    if not _NOT_IN_INTERSECTIONS.isdisjoint(words):
        return None
    end = next((i + 1 for i in range(sep + 1, len(tokens)) if tokens[i].endswith(",")), None)
    if end is None:
        end = _street_end(words, sep + 2)
    labels = (
        [CORNER] * start
        + _street_labels(tokens[start:sep])
        + [SEPARATOR]
        + _street_labels(tokens[sep + 1 : end])
        + _tail_labels(tokens[end:])
    )
    return list(zip(tokens, labels, strict=True))


def _fix_two_addresses(tokens: list[str], labels: list[str]) -> None:
    """Split "123 main st 456 oak ave", which usaddress reads as one street "main st 456 oak"."""
    words = [_clean(t) for t in tokens]
    for i in range(1, len(tokens) - 2):
        if (
            labels[i] in (NAME, POST_TYPE)
            and labels[i - 1] == NAME
            and words[i] in SUFFIXES
            and words[i + 1].isdigit()
            and labels[i + 1] in STREET_LABELS
            and labels[i + 2] in STREET_LABELS
            and words[i + 2] not in DIRECTIONALS
        ):
            labels[i] = POST_TYPE
            labels[i + 1] = NUMBER
            rest = [j for j in range(i + 2, len(tokens)) if labels[j] in STREET_LABELS]
            for j, label in zip(rest, _street_labels([tokens[j] for j in rest]), strict=True):
                labels[j] = label
            return


def _fix_unit_place(tokens: list[str], labels: list[str]) -> None:
    """Give back words usaddress put after a unit identifier: "#5 NYC" -> unit "# 5", city "NYC"."""
    run = [i for i, lab in enumerate(labels) if lab == OCC_ID]
    if not run or run != list(range(run[0], run[-1] + 1)):
        return
    has_id = False
    for i in run:
        word = _clean(tokens[i])
        if has_id and word.isalpha() and len(word) > 1 and word not in UNIT_DESIGNATORS:
            tail = run[run.index(i):]
            if not all(_clean(tokens[j]).isalpha() for j in tail):
                return
            for j in tail:
                labels[j] = PLACE
            if len(tail) > 1 and STATE not in labels and _clean(tokens[tail[-1]]) in STATES:
                labels[tail[-1]] = STATE
            return
        has_id = has_id or any(ch.isdigit() for ch in word) or (word != "#" and len(word) == 1)


_STREET_LABELS = frozenset({PRE_MODIFIER, PRE_DIR, PRE_TYPE, NAME, POST_TYPE, POST_DIR})


def _fix_hash_unit(tokens: list[str], labels: list[str]) -> None:
    """A "#" always starts a unit: in "153 E 3rd #1" usaddress reads "# 1" as the street."""
    for i, token in enumerate(tokens):
        if not token.startswith("#") or labels[i] not in _STREET_LABELS:
            continue
        labels[i] = OCC_ID
        if token == "#" and i + 1 < len(tokens):
            labels[i + 1] = OCC_ID
        street = [j for j in range(i) if labels[j] in (PRE_MODIFIER, PRE_TYPE, NAME)]
        if street and NAME not in (labels[j] for j in street):
            labels[street[-1]] = NAME
        return


_WHOLE_HOUSE_NUMBER = re.compile(r"\d+(?:-\d+)?[A-Z]?")
_NOT_STREET = frozenset({OCC_TYPE, OCC_ID, SUB_TYPE, SUB_ID, PLACE, STATE, ZIP, SEPARATOR})


def _fix_missing_number(tokens: list[str], labels: list[str]) -> None:
    """Read a leading house number usaddress missed: "46-15 30 ROAD", "355A BOWERY"."""
    if NUMBER in labels or BOX_ID in labels or len(tokens) < 2 or labels[0] == OCC_ID:
        return
    if not _WHOLE_HOUSE_NUMBER.fullmatch(_clean(tokens[0])):
        return
    end = next((i for i in range(1, len(labels)) if labels[i] in _NOT_STREET), len(labels))
    labels[:end] = [NUMBER, *_street_labels(tokens[1:end])]


def _fix_number_words(tokens: list[str], labels: list[str]) -> None:
    """Extend a house number written in words over the number words usaddress gave the street."""
    numbers = [i for i, lab in enumerate(labels) if lab == NUMBER]
    if not numbers or any(ch.isdigit() for i in numbers for ch in tokens[i]):
        return
    names = [i for i, lab in enumerate(labels) if lab == NAME]
    for i in names[:-1]:
        if i != numbers[-1] + 1 or _clean(tokens[i]) not in _CARDINALS:
            break
        labels[i] = NUMBER
        numbers.append(i)


def crf_labels(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Return usaddress's labels after our corrections, and the review reasons found.

    The corrections, in order: a second house number inside the street name;
    a "#" read as part of the street; place words after a unit identifier; a house
    number in words; a leading house number read as something else.
    """
    tokens = tokenize(text)
    if not tokens:
        return [], []
    labels = _crf(tokens)
    reasons: list[str] = []
    repeated = _repeated_label(labels)
    if repeated:
        reasons.append(f"usaddress: repeated label {repeated}")
    _fix_two_addresses(tokens, labels)
    _fix_hash_unit(tokens, labels)
    _fix_unit_place(tokens, labels)
    _fix_number_words(tokens, labels)
    _fix_missing_number(tokens, labels)
    if {NUMBER, SEPARATOR, BOX_ID}.isdisjoint(labels):  # usaddress.tag's type "Ambiguous"
        reasons.append("usaddress: ambiguous")
    return list(zip(tokens, labels, strict=True)), reasons


# --- the builder ---------------------------------------------------------------------------

_NUMBER = re.compile(r"(?P<n>\d+)(?:\s*-\s*(?P<hi>\d+))?(?:\s*-?\s*(?P<suf>[A-Z]|\d/\d+))?")


def _group(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Return the cleaned, non-empty tokens of ``pairs`` by label."""
    out: dict[str, list[str]] = {}
    for token, label in pairs:
        word = _clean(token).replace("½", "1/2")
        if word:
            out.setdefault(label, []).append(word)
    return out


def _first_run(pairs: list[tuple[str, str]], labels: frozenset[str]) -> list[tuple[str, str]]:
    """Return the first unbroken run of tokens whose labels are in ``labels``.

    When usaddress repeats a label ("123 Main St Apt 5 Oak Ave") the first run is
    what was understood; the input is flagged anyway.
    """
    run: list[tuple[str, str]] = []
    for pair in pairs:
        if pair[1] in labels:
            run.append(pair)
        elif run:
            break
    return run


def _street(pairs: list[tuple[str, str]]) -> Street | None:
    """Build a Street from the street-labelled tokens of one segment."""
    return _street_of(tuple(pairs)) if pairs else None


@lru_cache(maxsize=CACHE_SIZE)
def _street_of(pairs: tuple[tuple[str, str], ...]) -> Street | None:
    """:func:`_street` of a non-empty run, memoized: the same streets are written over and over."""
    for k in range(2, len(pairs)):  # "RIVER RD LIBERTY GROVE RD": the first street ends at RD
        if pairs[k - 1][1] in (POST_TYPE, POST_DIR) and pairs[k][1] not in (POST_TYPE, POST_DIR):
            if any(lab == NAME for _, lab in pairs[: k - 1]):
                pairs = pairs[:k]
                break
    words = _group(pairs)
    predir_words = words.get(PRE_DIR, [])
    postdir_words = words.get(POST_DIR, [])
    types = words.get(POST_TYPE, [])
    predir = normalize_directional(" ".join(predir_words)) if predir_words else None
    postdir = normalize_directional(" ".join(postdir_words)) if postdir_words else None
    name_words = [
        *words.get(PRE_MODIFIER, []),
        *words.get(PRE_TYPE, []),
        *words.get(NAME, []),
        *types[:-1],
    ]
    suffix = (normalize_suffix(types[-1]) or types[-1]) if types else None
    if predir_words and predir is None:
        name_words = predir_words + name_words
    if postdir_words and postdir is None:
        name_words += postdir_words
    if not name_words:  # "N St": the directional or the suffix is the name
        if predir_words:
            name_words, predir = predir_words, None
        elif postdir_words and suffix:
            name_words, postdir = postdir_words, None
        elif types:
            name_words, suffix = types[-1:], None
    name = normalize_street_name(" ".join(name_words))
    return Street(predir, name, suffix, postdir) if name else None


_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-",
                         "\u2014": "-", "\u2212": "-"})
"""Dashes read as a hyphen in a house number ("101\u2013119 Hampshire St", as some
geocoders write a range)."""


def _house_number(words: list[str]) -> tuple[int | None, str | None, int | None, str | None]:
    """Return (number, suffix, high, review reason) from the house-number words."""
    text = " ".join(words).replace("½", " 1/2").strip()
    match = _NUMBER.fullmatch(text if text.isascii() else text.translate(_DASHES))
    if match is None:
        if not any(ch.isdigit() for ch in text):
            return None, None, None, f"house number has no digit: {text!r}"
        return None, None, None, f"house number not understood: {text!r}"
    low, high, suffix = int(match["n"]), match["hi"], match["suf"]
    if high is None:
        return low, suffix, None, None
    if int(high) > low and suffix is None:
        return low, None, int(high), None
    return low, f"-{high}{suffix or ''}", None, None  # Queens style "89-10"


# Words of a box type ("P.O. Box", "Lockbox", "Drawer", "Caller", "Rural Route"), punctuation
# removed: usaddress labels any unknown word before a number a box type (Cyrillic, CJK, "SUM").
_BOX_TYPE_WORDS = frozenset({
    "P", "O", "PO", "POB", "POBOX", "POST", "POSTAL", "OFFICE", "BOX", "BX", "LOCKBOX", "LOCK",
    "LBX", "LB", "DRAWER", "CALLER", "FIRM", "CMR", "PSC", "PMB", "ROUTE", "RTE", "RR", "RURAL",
    "HC", "HCR", "R", "HWY", "HIGHWAY", "CONTRACT", "STAR", "SR", "BIN",
})


def _is_box_type(words: list[str]) -> bool:
    """Whether the words usaddress labelled a box type are those of one."""
    named = [word for word in words if any(ch.isalnum() for ch in word)]
    return bool(named) and all(
        "".join(ch for ch in word.upper() if "A" <= ch <= "Z") in _BOX_TYPE_WORDS
        for word in named)


def _po_box(words: dict[str, list[str]]) -> str | None:
    """Return "PO BOX 123" or "RR 2 BOX 152" from the box words, or None."""
    box_id = " ".join(w.lstrip("#") for w in words.get(BOX_ID, []) if w != "#")
    group = words.get(BOX_GROUP_TYPE)
    if not box_id or not _is_box_type(words.get(BOX_TYPE, []) + (group or [])):
        return None
    if group:
        kind = "HC" if group[0].startswith("H") else "RR"
        return " ".join([kind, *words.get(BOX_GROUP_ID, []), "BOX", box_id])
    return f"PO BOX {box_id}"


def build_parsed(text: str, pairs: list[tuple[str, str]], reasons: list[str]) -> ParsedAddress:
    """Assemble a ParsedAddress from labelled tokens (usaddress labels, or another tagger's).

    ``reasons`` are doubts found while labelling; they make the answer ``needs_review``.
    """
    labels = [lab for _, lab in pairs]
    words = _group(pairs)
    cut = labels.index(SEPARATOR) if SEPARATOR in labels else len(pairs)
    numbers = [i for i, lab in enumerate(labels) if lab == NUMBER]
    number = suffix = high = None
    end = len(pairs)
    if numbers:
        first = [i for n, i in enumerate(numbers) if i == numbers[0] + n]
        if len(first) < len(numbers):  # a second address starts at the next number
            end = numbers[len(first)]
            second = _clean(pairs[end][0])
            reasons.append(f"two house numbers found: {_clean(pairs[first[0]][0])}, {second}")
        written = [_clean(pairs[i][0]) for i in first] + words.get(NUMBER_SUFFIX, [])
        number, suffix, high, problem = _house_number(written)
        if problem:
            reasons.append(problem)
    street = _street(_first_run(pairs[: min(cut, end)], STREET_LABELS))
    cross = _street(_first_run(pairs[cut + 1 : end], STREET_LABELS))
    unit_parts = [
        normalize_unit(" ".join(run.get(t, [])), " ".join(run.get(i, [])))
        for t, i in ((SUB_TYPE, SUB_ID), (OCC_TYPE, OCC_ID))
        if (run := _group(_first_run(pairs, frozenset({t, i}))))
    ]
    unit = " ".join(p for p in unit_parts if p) or None
    city = " ".join(words.get(PLACE, [])) or None
    state_text = " ".join(words.get(STATE, []))
    state = normalize_state(state_text) if state_text else None
    if state_text and state is None:
        reasons.append(f"unknown state: {state_text!r}")
    zip_text = "".join(words.get(ZIP, []))
    zip_match = _ZIP5.fullmatch(zip_text) if zip_text else None
    if zip_text and zip_match is None:
        reasons.append(f"ZIP code not 5 digits: {zip_text!r}")
    po_box = _po_box(words)

    if street and numbers:
        kind = AddressKind.ADDRESS
        if cross:
            reasons.append("address also names a cross street")
    elif street and cross:
        kind = AddressKind.INTERSECTION
    elif street and SEPARATOR in labels:
        kind = AddressKind.STREET
        reasons.append("intersection without a second street")
    elif po_box:
        kind = AddressKind.PO_BOX
        reasons.append("PO box is not a service location")
    elif street:
        kind = AddressKind.STREET
    else:
        kind = AddressKind.UNKNOWN
        # a number, a known state or a ZIP is part of a US address, only the street is missing
        found = numbers or state or zip_match
        reasons.append("no street found" if found else NO_US_ADDRESS)
    if "usaddress: ambiguous" in reasons and kind is AddressKind.STREET:
        if street.suffix or PRE_TYPE in labels:  # settled: "Main St", "Avenue O"
            reasons.remove("usaddress: ambiguous")
    return ParsedAddress(
        input=text,
        kind=kind,
        number=number,
        number_suffix=suffix,
        number_high=high,
        street=street,
        cross_street=cross,
        unit=unit,
        city=city,
        state=state,
        zip=zip_match.group(1) if zip_match else None,
        po_box=po_box,
        needs_review=bool(reasons),
        review_reasons=tuple(dict.fromkeys(reasons)),
        labels=tuple(pairs),
    )


def build_parsed_fast(text: str, pairs: list[tuple[str, str]]) -> ParsedAddress:
    """:func:`build_parsed` for the labels of :func:`fast_labels`, the same result sooner.

    Those labels have one shape: the house number (one token), the street run, then
    at most one unit run (type and identifier), place, state and ZIP tokens, with no
    separator, box or second number. Whatever would raise a review reason (no street,
    a ZIP that is not five digits) goes to :func:`build_parsed`.
    """
    end = 1
    while end < len(pairs) and pairs[end][1] in STREET_LABELS:
        end += 1
    street = _street(pairs[1:end])
    written = _clean(pairs[0][0])
    if written.isdigit():  # ASCII here
        number, suffix, high, problem = int(written), None, None, None
    else:
        number, suffix, high, problem = _house_number([written])
    if street is None or problem or pairs[0][1] != NUMBER:
        return build_parsed(text, pairs, [])
    unit_types: list[str] = []
    unit_ids: list[str] = []
    places: list[str] = []
    states: list[str] = []
    zips: list[str] = []
    by_label = {OCC_TYPE: unit_types, OCC_ID: unit_ids, PLACE: places, STATE: states, ZIP: zips}
    for token, label in pairs[end:]:
        word = _clean(token)  # ASCII: no "½" to rewrite
        if word:
            words = by_label.get(label)
            if words is None:
                return build_parsed(text, pairs, [])
            words.append(word)
    unit = normalize_unit(" ".join(unit_types), " ".join(unit_ids)) if unit_types or unit_ids \
        else None
    state = None
    if states:
        state = normalize_state(" ".join(states))
        if state is None:
            return build_parsed(text, pairs, [])
    zip_code = None
    if zips:
        zip_match = _ZIP5.fullmatch("".join(zips))
        if zip_match is None:
            return build_parsed(text, pairs, [])
        zip_code = zip_match.group(1)
    return _new_parsed(text, AddressKind.ADDRESS, number, suffix, high, street, None,
                       unit or None, " ".join(places) or None, state, zip_code, None, False, (),
                       tuple(pairs))


_PARSED_FIELDS = tuple(f.name for f in dataclasses.fields(ParsedAddress))


def _new_parsed(*values) -> ParsedAddress:
    """``ParsedAddress(*values)``, the same object, without the frozen class's field-by-field
    ``object.__setattr__`` (the fast path makes one per input)."""
    parsed = object.__new__(ParsedAddress)
    parsed.__dict__.update(zip(_PARSED_FIELDS, values, strict=True))
    return parsed


def _unknown(text: str, reason: str) -> ParsedAddress:
    """Return the UNKNOWN result for input that cannot be parsed at all."""
    return ParsedAddress(text, AddressKind.UNKNOWN, None, None, None, None, None, None, None,
                         None, None, None, True, (reason,), ())


def parse_uncached(text: str, fast: bool = True) -> ParsedAddress:
    """Parse one address without the cache (see :func:`parse`).

    ``fast=False`` sends every input through usaddress and the corrections, to
    check the fast path against them.
    """
    return parse_uncached_how(text, fast)[0]


def parse_uncached_how(text: str, fast: bool = True) -> tuple[ParsedAddress, bool]:
    """Return :func:`parse_uncached` of ``text`` and whether the fast path read it.

    What the fast path reads of a text is its :func:`fast_key`: another text with
    the same key is read by the fast path too, into the same parts (all but
    ``input`` and ``labels``).
    """
    if not isinstance(text, str):
        raise InputError("address must be a string", value=repr(text)[:80])
    if not text.strip():
        return _unknown(text, "empty input"), False
    if len(text) > MAX_LENGTH:
        return _unknown(text, f"input longer than {MAX_LENGTH} characters"), False
    prepared = _WORD_SEPARATOR.sub(" & ", text) if "/" in text or "@" in text else text
    if fast and (pairs := fast_labels(prepared)):
        return build_parsed_fast(text, pairs), True
    pairs = intersection_labels(prepared)
    reasons: list[str] = []
    if pairs is None:
        pairs, reasons = crf_labels(prepared)
    return build_parsed(text, pairs, reasons), False


def fast_key(text: str) -> str | None:
    """Return what the fast path reads of ``text``, or None if it cannot read it.

    The fast path reads ASCII text (no "/" or "@", which it never accepts) case-
    and whitespace-blind: its key is the text uppercase with runs of whitespace
    made one space. None for a text that is not ASCII or is too long to parse.

    Examples
    --------
    >>> fast_key(" 12  n Main st,\tApt 4 ")
    '12 N MAIN ST, APT 4'
    """
    if not text.isascii() or len(text) > MAX_LENGTH:
        return None
    return " ".join(text.split()).upper()


_parse_cached = lru_cache(maxsize=CACHE_SIZE)(parse_uncached)


def parse(text: str) -> ParsedAddress:
    """Return the parts of one free-text US address, normalized per USPS Pub 28.

    Results are cached (least recently used, :data:`CACHE_SIZE` inputs).

    Parameters
    ----------
    text : str
        One address, intersection, street or PO box, as a person typed it.

    Raises
    ------
    InputError
        If ``text`` is not a string. Any string parses; doubtful ones come back
        with ``needs_review``.

    Examples
    --------
    >>> parse("1234 W Main St Apt. 5, Gardena, CA 90247-1234").line()
    '1234 W MAIN ST APT 5'
    >>> parse("Main St & 5th Ave").kind
    <AddressKind.INTERSECTION: 'intersection'>
    >>> parse("123 main st 456 oak ave").review_reasons
    ('two house numbers found: 123, 456',)
    """
    if not isinstance(text, str):
        raise InputError("address must be a string", value=repr(text)[:80])
    return _parse_cached(text)


def clear_cache() -> None:
    """Empty the cache of :func:`parse` (and the memo of streets it keeps)."""
    _parse_cached.cache_clear()
    _street_of.cache_clear()
