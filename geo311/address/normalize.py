"""USPS Publication 28 normalization of address parts.

Tables (all keys and values uppercase, without periods):

- :data:`SUFFIXES`: Appendix C1, every primary street suffix name and its
  common abbreviations -> the USPS standard abbreviation ("AVENUE" -> "AVE").
  Each standard abbreviation also maps to itself.
- :data:`DIRECTIONALS`: the eight directions, spelled out or abbreviated
  ("NORTH", "N", "N.", "NORTHEAST", "NE", "N.E.") -> "N" ... "SW".
  Spanish forms are left out: "ESTE" or "SUR" are also street names.
- :data:`STATES`: USPS two-letter codes of the states, DC and the territories,
  keyed by code and by name ("CALIFORNIA" -> "CA", "CA" -> "CA").
- :data:`UNIT_DESIGNATORS`: Appendix C2 secondary unit designators and their
  USPS abbreviations ("SUITE" -> "STE", "HANGAR" -> "HNGR", "#" -> "#").

Canonical choices for street names (:func:`normalize_street_name`):

- Uppercase, whitespace collapsed. Apostrophes are dropped ("O'FARRELL" ->
  "OFARRELL"); a period after a single letter is dropped ("U.S." -> "US"),
  any other period is a word break ("ST.JAMES" -> "SAINT JAMES"). "/" and "-"
  are kept only between two digits ("1/2"); elsewhere they are word breaks,
  so "TWENTY-THIRD" and "TWENTY THIRD" agree. Other punctuation is a word break.
- Ordinal words become ordinals ("FIFTH" -> "5TH", "TWENTY THIRD" -> "23RD",
  "ONE HUNDRED TWENTY FIFTH" -> "125TH"); a split ordinal is joined ("5 TH" ->
  "5TH"); the old USPS "2D"/"3D" become "2ND"/"3RD". Cardinal words and bare
  numbers stay as they are ("SEVEN HILLS", "5").
- "ST", "MT" and "FT" as the first word of a longer name are spelled out as
  "SAINT", "MOUNT" and "FORT" (and "SAINT", "MOUNT", "FORT" stay spelled out),
  so that a name never starts with a token that reads as a street suffix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

__all__ = [
    "DIRECTIONALS",
    "ORDINAL_WORDS",
    "STATES",
    "SUFFIXES",
    "UNIT_DESIGNATORS",
    "UNITS_WITHOUT_IDENTIFIER",
    "Street",
    "format_line",
    "normalize_directional",
    "normalize_state",
    "normalize_street_name",
    "normalize_suffix",
    "normalize_unit",
    "ordinal",
]

# Appendix C1: standard abbreviation -> primary name and common abbreviations.
_C1: dict[str, tuple[str, ...]] = {
    "ALY": ("ALLEY", "ALLEE", "ALLY"),
    "ANX": ("ANEX", "ANNEX", "ANNX"),
    "ARC": ("ARCADE",),
    "AVE": ("AVENUE", "AV", "AVEN", "AVENU", "AVN", "AVNUE"),
    "BYU": ("BAYOU", "BAYOO"),
    "BCH": ("BEACH",),
    "BND": ("BEND",),
    "BLF": ("BLUFF", "BLUF"),
    "BLFS": ("BLUFFS",),
    "BTM": ("BOTTOM", "BOT", "BOTTM"),
    "BLVD": ("BOULEVARD", "BOUL", "BOULV"),
    "BR": ("BRANCH", "BRNCH"),
    "BRG": ("BRIDGE", "BRDGE"),
    "BRK": ("BROOK",),
    "BRKS": ("BROOKS",),
    "BG": ("BURG",),
    "BGS": ("BURGS",),
    "BYP": ("BYPASS", "BYPA", "BYPAS", "BYPS"),
    "CP": ("CAMP", "CMP"),
    "CYN": ("CANYON", "CANYN", "CNYN"),
    "CPE": ("CAPE",),
    "CSWY": ("CAUSEWAY", "CAUSWA"),
    "CTR": ("CENTER", "CEN", "CENT", "CENTR", "CENTRE", "CNTER", "CNTR"),
    "CTRS": ("CENTERS",),
    "CIR": ("CIRCLE", "CIRC", "CIRCL", "CRCL", "CRCLE"),
    "CIRS": ("CIRCLES",),
    "CLF": ("CLIFF",),
    "CLFS": ("CLIFFS",),
    "CLB": ("CLUB",),
    "CMN": ("COMMON",),
    "CMNS": ("COMMONS",),
    "COR": ("CORNER",),
    "CORS": ("CORNERS",),
    "CRSE": ("COURSE",),
    "CT": ("COURT",),
    "CTS": ("COURTS",),
    "CV": ("COVE",),
    "CVS": ("COVES",),
    "CRK": ("CREEK",),
    "CRES": ("CRESCENT", "CRSENT", "CRSNT"),
    "CRST": ("CREST",),
    "XING": ("CROSSING", "CRSSNG"),
    "XRD": ("CROSSROAD",),
    "XRDS": ("CROSSROADS",),
    "CURV": ("CURVE",),
    "DL": ("DALE",),
    "DM": ("DAM",),
    "DV": ("DIVIDE", "DIV", "DVD"),
    "DR": ("DRIVE", "DRIV", "DRV"),
    "DRS": ("DRIVES",),
    "EST": ("ESTATE",),
    "ESTS": ("ESTATES",),
    "EXPY": ("EXPRESSWAY", "EXP", "EXPR", "EXPRESS", "EXPW"),
    "EXT": ("EXTENSION", "EXTN", "EXTNSN"),
    "EXTS": ("EXTENSIONS",),
    "FALL": (),
    "FLS": ("FALLS",),
    "FRY": ("FERRY", "FRRY"),
    "FLD": ("FIELD",),
    "FLDS": ("FIELDS",),
    "FLT": ("FLAT",),
    "FLTS": ("FLATS",),
    "FRD": ("FORD",),
    "FRDS": ("FORDS",),
    "FRST": ("FOREST", "FORESTS"),
    "FRG": ("FORGE", "FORG"),
    "FRGS": ("FORGES",),
    "FRK": ("FORK",),
    "FRKS": ("FORKS",),
    "FT": ("FORT", "FRT"),
    "FWY": ("FREEWAY", "FREEWY", "FRWAY", "FRWY"),
    "GDN": ("GARDEN", "GARDN", "GRDEN", "GRDN"),
    "GDNS": ("GARDENS", "GRDNS"),
    "GTWY": ("GATEWAY", "GATEWY", "GATWAY", "GTWAY"),
    "GLN": ("GLEN",),
    "GLNS": ("GLENS",),
    "GRN": ("GREEN",),
    "GRNS": ("GREENS",),
    "GRV": ("GROVE", "GROV"),
    "GRVS": ("GROVES",),
    "HBR": ("HARBOR", "HARB", "HARBR", "HRBOR"),
    "HBRS": ("HARBORS",),
    "HVN": ("HAVEN",),
    "HTS": ("HEIGHTS", "HT"),
    "HWY": ("HIGHWAY", "HIGHWY", "HIWAY", "HIWY", "HWAY"),
    "HL": ("HILL",),
    "HLS": ("HILLS",),
    "HOLW": ("HOLLOW", "HLLW", "HOLLOWS", "HOLWS"),
    "INLT": ("INLET",),
    "IS": ("ISLAND", "ISLND"),
    "ISS": ("ISLANDS", "ISLNDS"),
    "ISLE": ("ISLES",),
    "JCT": ("JUNCTION", "JCTION", "JCTN", "JUNCTN", "JUNCTON"),
    "JCTS": ("JUNCTIONS", "JCTNS"),
    "KY": ("KEY",),
    "KYS": ("KEYS",),
    "KNL": ("KNOLL", "KNOL"),
    "KNLS": ("KNOLLS",),
    "LK": ("LAKE",),
    "LKS": ("LAKES",),
    "LAND": (),
    "LNDG": ("LANDING", "LNDNG"),
    "LN": ("LANE",),
    "LGT": ("LIGHT",),
    "LGTS": ("LIGHTS",),
    "LF": ("LOAF",),
    "LCK": ("LOCK",),
    "LCKS": ("LOCKS",),
    "LDG": ("LODGE", "LDGE", "LODG"),
    "LOOP": ("LOOPS",),
    "MALL": (),
    "MNR": ("MANOR",),
    "MNRS": ("MANORS",),
    "MDW": ("MEADOW",),
    "MDWS": ("MEADOWS", "MEDOWS"),
    "MEWS": (),
    "ML": ("MILL",),
    "MLS": ("MILLS",),
    "MSN": ("MISSION", "MISSN", "MSSN"),
    "MTWY": ("MOTORWAY",),
    "MT": ("MOUNT", "MNT"),
    "MTN": ("MOUNTAIN", "MNTAIN", "MNTN", "MOUNTIN", "MTIN"),
    "MTNS": ("MOUNTAINS", "MNTNS"),
    "NCK": ("NECK",),
    "ORCH": ("ORCHARD", "ORCHRD"),
    "OVAL": ("OVL",),
    "OPAS": ("OVERPASS",),
    "PARK": ("PRK", "PARKS"),
    "PKWY": ("PARKWAY", "PARKWY", "PKWAY", "PKY", "PARKWAYS", "PKWYS"),
    "PASS": (),
    "PSGE": ("PASSAGE",),
    "PATH": ("PATHS",),
    "PIKE": ("PIKES",),
    "PNE": ("PINE",),
    "PNES": ("PINES",),
    "PL": ("PLACE",),
    "PLN": ("PLAIN",),
    "PLNS": ("PLAINS",),
    "PLZ": ("PLAZA", "PLZA"),
    "PT": ("POINT",),
    "PTS": ("POINTS",),
    "PRT": ("PORT",),
    "PRTS": ("PORTS",),
    "PR": ("PRAIRIE", "PRR"),
    "RADL": ("RADIAL", "RAD", "RADIEL"),
    "RAMP": (),
    "RNCH": ("RANCH", "RANCHES", "RNCHS"),
    "RPD": ("RAPID",),
    "RPDS": ("RAPIDS",),
    "RST": ("REST",),
    "RDG": ("RIDGE", "RDGE"),
    "RDGS": ("RIDGES",),
    "RIV": ("RIVER", "RVR", "RIVR"),
    "RD": ("ROAD",),
    "RDS": ("ROADS",),
    "RTE": ("ROUTE",),
    "ROW": (),
    "RUE": (),
    "RUN": (),
    "SHL": ("SHOAL",),
    "SHLS": ("SHOALS",),
    "SHR": ("SHORE", "SHOAR"),
    "SHRS": ("SHORES", "SHOARS"),
    "SKWY": ("SKYWAY",),
    "SPG": ("SPRING", "SPNG", "SPRNG"),
    "SPGS": ("SPRINGS", "SPNGS", "SPRNGS"),
    "SPUR": ("SPURS",),
    "SQ": ("SQUARE", "SQR", "SQRE", "SQU"),
    "SQS": ("SQUARES", "SQRS"),
    "STA": ("STATION", "STATN", "STN"),
    "STRA": ("STRAVENUE", "STRAV", "STRAVEN", "STRAVN", "STRVN", "STRVNUE"),
    "STRM": ("STREAM", "STREME"),
    "ST": ("STREET", "STRT", "STR"),
    "STS": ("STREETS",),
    "SMT": ("SUMMIT", "SUMIT", "SUMITT"),
    "TER": ("TERRACE", "TERR"),
    "TRWY": ("THROUGHWAY",),
    "TRCE": ("TRACE", "TRACES"),
    "TRAK": ("TRACK", "TRACKS", "TRK", "TRKS"),
    "TRFY": ("TRAFFICWAY",),
    "TRL": ("TRAIL", "TRAILS", "TRLS"),
    "TRLR": ("TRAILER", "TRLRS"),
    "TUNL": ("TUNNEL", "TUNEL", "TUNLS", "TUNNELS", "TUNNL"),
    "TPKE": ("TURNPIKE", "TRNPK", "TURNPK"),
    "UPAS": ("UNDERPASS",),
    "UN": ("UNION",),
    "UNS": ("UNIONS",),
    "VLY": ("VALLEY", "VALLY", "VLLY"),
    "VLYS": ("VALLEYS",),
    "VIA": ("VIADUCT", "VDCT", "VIADCT"),
    "VW": ("VIEW",),
    "VWS": ("VIEWS",),
    "VLG": ("VILLAGE", "VILL", "VILLAG", "VILLG", "VILLIAGE"),
    "VLGS": ("VILLAGES",),
    "VL": ("VILLE",),
    "VIS": ("VISTA", "VIST", "VST", "VSTA"),
    "WALK": ("WALKS",),
    "WALL": (),
    "WAY": ("WY",),
    "WAYS": (),
    "WL": ("WELL",),
    "WLS": ("WELLS",),
}

SUFFIXES: dict[str, str] = {
    variant: standard
    for standard, variants in _C1.items()
    for variant in (standard, *variants)
}

_DIRECTIONS = {
    "N": "NORTH", "S": "SOUTH", "E": "EAST", "W": "WEST",
    "NE": "NORTHEAST", "NW": "NORTHWEST", "SE": "SOUTHEAST", "SW": "SOUTHWEST",
}  # fmt: skip

DIRECTIONALS: dict[str, str] = {}
for _abbr, _word in _DIRECTIONS.items():
    DIRECTIONALS[_word] = _abbr
    DIRECTIONALS[_abbr] = _abbr
    DIRECTIONALS[".".join(_abbr) + "."] = _abbr  # "N.", "N.E."
    if len(_abbr) == 2:
        DIRECTIONALS[f"{_DIRECTIONS[_abbr[0]]}-{_DIRECTIONS[_abbr[1]]}"] = _abbr  # NORTH-EAST

# Appendix C2: standard designator -> spelled-out names and common variants.
_C2: dict[str, tuple[str, ...]] = {
    "APT": ("APARTMENT",),
    "BSMT": ("BASEMENT",),
    "BLDG": ("BUILDING", "BLD", "BLDNG"),
    "DEPT": ("DEPARTMENT",),
    "FL": ("FLOOR", "FLR"),
    "FRNT": ("FRONT",),
    "HNGR": ("HANGAR",),
    "KEY": (),
    "LBBY": ("LOBBY",),
    "LOT": (),
    "LOWR": ("LOWER",),
    "OFC": ("OFFICE",),
    "PH": ("PENTHOUSE",),
    "PIER": (),
    "REAR": (),
    "RM": ("ROOM",),
    "SIDE": (),
    "SLIP": (),
    "SPC": ("SPACE",),
    "STOP": (),
    "STE": ("SUITE",),
    "TRLR": ("TRAILER",),
    "UNIT": (),
    "UPPR": ("UPPER",),
    "#": ("NO", "NUM", "NUMBER"),
}

UNIT_DESIGNATORS: dict[str, str] = {
    variant: standard
    for standard, variants in _C2.items()
    for variant in (standard, *variants)
}

#: Designators that USPS writes without an identifier ("REAR", "PH").
UNITS_WITHOUT_IDENTIFIER: frozenset[str] = frozenset(
    {"BSMT", "FRNT", "LBBY", "LOWR", "OFC", "PH", "REAR", "SIDE", "UPPR"}
)

_STATE_NAMES = {
    "AL": "ALABAMA", "AK": "ALASKA", "AZ": "ARIZONA", "AR": "ARKANSAS", "CA": "CALIFORNIA",
    "CO": "COLORADO", "CT": "CONNECTICUT", "DE": "DELAWARE", "DC": "DISTRICT OF COLUMBIA",
    "FL": "FLORIDA", "GA": "GEORGIA", "HI": "HAWAII", "ID": "IDAHO", "IL": "ILLINOIS",
    "IN": "INDIANA", "IA": "IOWA", "KS": "KANSAS", "KY": "KENTUCKY", "LA": "LOUISIANA",
    "ME": "MAINE", "MD": "MARYLAND", "MA": "MASSACHUSETTS", "MI": "MICHIGAN",
    "MN": "MINNESOTA", "MS": "MISSISSIPPI", "MO": "MISSOURI", "MT": "MONTANA",
    "NE": "NEBRASKA", "NV": "NEVADA", "NH": "NEW HAMPSHIRE", "NJ": "NEW JERSEY",
    "NM": "NEW MEXICO", "NY": "NEW YORK", "NC": "NORTH CAROLINA", "ND": "NORTH DAKOTA",
    "OH": "OHIO", "OK": "OKLAHOMA", "OR": "OREGON", "PA": "PENNSYLVANIA",
    "RI": "RHODE ISLAND", "SC": "SOUTH CAROLINA", "SD": "SOUTH DAKOTA", "TN": "TENNESSEE",
    "TX": "TEXAS", "UT": "UTAH", "VT": "VERMONT", "VA": "VIRGINIA", "WA": "WASHINGTON",
    "WV": "WEST VIRGINIA", "WI": "WISCONSIN", "WY": "WYOMING", "AS": "AMERICAN SAMOA",
    "GU": "GUAM", "MP": "NORTHERN MARIANA ISLANDS", "PR": "PUERTO RICO",
    "VI": "VIRGIN ISLANDS", "AA": "ARMED FORCES AMERICAS", "AE": "ARMED FORCES EUROPE",
    "AP": "ARMED FORCES PACIFIC",
}  # fmt: skip

STATES: dict[str, str] = {
    key: code for code, name in _STATE_NAMES.items() for key in (code, name)
}

_ONES = {
    "ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5, "SIX": 6, "SEVEN": 7,
    "EIGHT": 8, "NINE": 9, "TEN": 10, "ELEVEN": 11, "TWELVE": 12, "THIRTEEN": 13,
    "FOURTEEN": 14, "FIFTEEN": 15, "SIXTEEN": 16, "SEVENTEEN": 17, "EIGHTEEN": 18,
    "NINETEEN": 19,
}  # fmt: skip
_TENS = {
    "TWENTY": 20, "THIRTY": 30, "FORTY": 40, "FIFTY": 50,
    "SIXTY": 60, "SEVENTY": 70, "EIGHTY": 80, "NINETY": 90,
}  # fmt: skip
_ORDINAL_ONES = {
    "FIRST": 1, "SECOND": 2, "THIRD": 3, "FOURTH": 4, "FIFTH": 5, "SIXTH": 6,
    "SEVENTH": 7, "EIGHTH": 8, "NINTH": 9, "TENTH": 10, "ELEVENTH": 11, "TWELFTH": 12,
    "THIRTEENTH": 13, "FOURTEENTH": 14, "FIFTEENTH": 15, "SIXTEENTH": 16,
    "SEVENTEENTH": 17, "EIGHTEENTH": 18, "NINETEENTH": 19,
}  # fmt: skip
_ORDINAL_TENS = {
    "TWENTIETH": 20, "THIRTIETH": 30, "FORTIETH": 40, "FIFTIETH": 50,
    "SIXTIETH": 60, "SEVENTIETH": 70, "EIGHTIETH": 80, "NINETIETH": 90,
}  # fmt: skip

#: Ordinal numbers spelled in one word: "FIRST" ... "NINETEENTH", "TWENTIETH" ... "HUNDREDTH".
ORDINAL_WORDS: frozenset[str] = frozenset([*_ORDINAL_ONES, *_ORDINAL_TENS, "HUNDREDTH"])

#: Words that start a longer street name and are spelled out (see module notes).
_NAME_PREFIXES = {"ST": "SAINT", "MT": "MOUNT", "FT": "FORT"}

_APOSTROPHES = re.compile(r"['\u2019`]")
_INITIAL_PERIOD = re.compile(r"(?<![A-Z0-9])([A-Z])\.")
_KEPT_BETWEEN_DIGITS = re.compile(r"(?<=\d)[/-](?=\d)")
_BREAKS = re.compile(r"[^A-Z0-9\x00\x01 ]+")
_DIGIT_ORDINAL = re.compile(r"^(\d+)(ST|ND|RD|TH|D)$")


def _clean(token: str) -> str:
    """Return ``token`` uppercase without periods or surrounding punctuation."""
    return token.strip().upper().replace(".", "").strip(",;:")


def normalize_suffix(token: str) -> str | None:
    """Return the USPS standard suffix for ``token``, or None if it is not a suffix.

    Examples
    --------
    >>> normalize_suffix("Avenue"), normalize_suffix("st."), normalize_suffix("Main")
    ('AVE', 'ST', None)
    """
    return SUFFIXES.get(_clean(token))


def normalize_directional(token: str) -> str | None:
    """Return the one- or two-letter directional for ``token``, or None.

    Examples
    --------
    >>> normalize_directional("North"), normalize_directional("n.e."), normalize_directional("Nw")
    ('N', 'NE', 'NW')
    """
    cleaned = token.strip().upper().strip(",;:")
    return DIRECTIONALS.get(cleaned) or DIRECTIONALS.get(cleaned.replace(".", ""))


def normalize_state(text: str) -> str | None:
    """Return the two-letter USPS code of a state written as a code or a name, or None.

    Examples
    --------
    >>> normalize_state("Calif"), normalize_state("new york"), normalize_state("ca.")
    (None, 'NY', 'CA')
    """
    return STATES.get(" ".join(_clean(text).split()))


def ordinal(n: int) -> str:
    """Return ``n`` with its English ordinal ending: 1 -> "1ST", 12 -> "12TH", 23 -> "23RD"."""
    if 10 <= n % 100 <= 20:
        return f"{n}TH"
    return f"{n}{ {1: 'ST', 2: 'ND', 3: 'RD'}.get(n % 10, 'TH')}"


def _ordinal_words(words: list[str], i: int) -> tuple[int, int] | None:
    """Read an ordinal spelled in words from ``words[i:]``: (value, words used) or None."""
    value, j = 0, i
    if j + 1 < len(words) and words[j] in _ONES and words[j + 1] in ("HUNDRED", "HUNDREDTH"):
        value, j = 100 * _ONES[words[j]], j + 1
    if j < len(words) and words[j] == "HUNDREDTH":
        return (value or 100), j + 1 - i
    if value:  # "ONE HUNDRED [AND] ..."
        j += 2 if j + 1 < len(words) and words[j + 1] == "AND" else 1
    word = words[j] if j < len(words) else ""
    if word in _TENS:
        unit = _ORDINAL_ONES.get(words[j + 1], 10) if j + 1 < len(words) else 10
        return (value + _TENS[word] + unit, j + 2 - i) if unit < 10 else None
    for table in (_ORDINAL_ONES, _ORDINAL_TENS):
        if word in table:
            return value + table[word], j + 1 - i
    return None


def _ordinals(words: list[str]) -> list[str]:
    """Replace ordinal words and split digit ordinals in ``words`` by "5TH" forms."""
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        found = _ordinal_words(words, i)
        if found is not None:
            out.append(ordinal(found[0]))
            i += found[1]
            continue
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if word.isdigit() and nxt in ("ST", "ND", "RD", "TH") and ordinal(int(word))[-2:] == nxt:
            word, i = word + nxt, i + 1
        match = _DIGIT_ORDINAL.match(word)
        if match:
            word = ordinal(int(match.group(1)))
        out.append(word)
        i += 1
    return out


def normalize_street_name(name: str) -> str:
    """Return the canonical form of a street name (without directionals or suffix).

    See the module notes for the rules.

    Examples
    --------
    >>> normalize_street_name("Twenty-third"), normalize_street_name("5 th")
    ('23RD', '5TH')
    >>> normalize_street_name("st. james"), normalize_street_name("O'Farrell")
    ('SAINT JAMES', 'OFARRELL')
    """
    text = _APOSTROPHES.sub("", name.upper())
    text = _INITIAL_PERIOD.sub(r"\1", text)
    text = _KEPT_BETWEEN_DIGITS.sub(lambda m: "\x00" if m.group() == "/" else "\x01", text)
    text = _BREAKS.sub(" ", text).replace("\x00", "/").replace("\x01", "-")
    words = _ordinals(text.split())
    if len(words) > 1 and words[0] in _NAME_PREFIXES:
        words[0] = _NAME_PREFIXES[words[0]]
    return " ".join(words)


_UNIT_ORDINAL = re.compile(r"^(\d+)(ST|ND|RD|TH)$")
_UNIT_BREAKS = re.compile(r"[^A-Z0-9#/-]+")


def normalize_unit(designator: str | None, identifier: str | None) -> str | None:
    """Return a secondary unit as USPS writes it ("APT 5", "# 5", "FL 5"), or None.

    ``designator`` and ``identifier`` may come in any split: ("Apt", "5"),
    ("#5", None), ("5th Floor", None), (None, "5"). An unknown designator or a
    missing one is written "#", as USPS asks. Designators that need no
    identifier ("REAR", "PH") stand alone.

    Examples
    --------
    >>> normalize_unit("Apt.", "5"), normalize_unit("Unit", "b"), normalize_unit("5th Floor", None)
    ('APT 5', 'UNIT B', 'FL 5')
    >>> normalize_unit(None, None) is None
    True
    """
    text = f"{designator or ''} {identifier or ''}".upper().replace("#", " # ")
    words = [w.strip("-") for w in _UNIT_BREAKS.sub(" ", text.replace(".", "")).split()]
    words = [w for w in words if w]
    if not words:
        return None
    standard: str | None = None
    rest: list[str] = []
    for word in words:
        found = UNIT_DESIGNATORS.get(word)
        if found is not None and standard in (None, "#"):
            standard = found if standard is None or found != "#" else standard
        elif word != "#":
            rest.append(word)
    if standard is None and rest and not any(ch.isdigit() for ch in rest[0]) and len(rest) > 1:
        rest = rest[1:]  # an unknown designator word: USPS writes "#"
    if standard == "FL":
        rest = [m.group(1) if (m := _UNIT_ORDINAL.match(w)) else w for w in rest]
    ident = " ".join(rest)
    if not ident:
        return standard if standard and standard != "#" else None
    return f"{standard or '#'} {ident}"


@dataclass(frozen=True)
class Street:
    """A street: optional directionals around a name and a suffix, all normalized."""

    predir: str | None
    name: str
    suffix: str | None
    postdir: str | None

    @cached_property
    def full(self) -> str:
        """Return the street as written on a delivery line, e.g. "N MAIN ST"."""
        return " ".join(p for p in (self.predir, self.name, self.suffix, self.postdir) if p)


def format_line(number: str | None, street: Street | None, unit: str | None) -> str:
    """Return the canonical USPS delivery line: "1234 N MAIN ST APT 5".

    Examples
    --------
    >>> format_line("123 1/2", Street("W", "5TH", "ST", None), None)
    '123 1/2 W 5TH ST'
    """
    parts = (number, street.full if street else None, unit)
    return " ".join(p.strip().upper() for p in parts if p and p.strip())
