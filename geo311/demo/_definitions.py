"""Open311 service definitions of the demo catalog: attributes, list columns, duplicate rules.

``definitions()`` is the ``service_definitions.json`` of the demo (attributes per service
code, GeoReport v2 keys); ``catalog_columns()`` the Open311 columns the catalog adds
(``type``, ``keywords``) and each service's duplicate rule (``duplicate_radius_m``,
``duplicate_days``). The rules were chosen by measurement on the demo history
(``bench/bench_duplicates.py --sweep``).
"""

from __future__ import annotations


def _values(*pairs: str) -> list[dict[str, str]]:
    """``"KEY=Name"`` texts as Open311 list values."""
    return [{"key": k, "name": n} for k, n in (p.split("=", 1) for p in pairs)]


def _attr(code: str, datatype: str, required: bool, description: str, *values: str,
          datatype_description: str | None = None, variable: bool = True) -> dict:
    item = {"variable": variable, "code": code, "datatype": datatype, "required": required,
            "datatype_description": datatype_description, "description": description}
    if values:
        item["values"] = _values(*values)
    return item


_YES_NO = ("YES=Yes", "NO=No")
_ATTRIBUTES: dict[str, list[dict]] = {
    "BULKY": [
        _attr("ITEMS", "multivaluelist", True, "Which items are out for pickup?",
              "SOFA=Sofa or couch", "MATTRESS=Mattress or box spring",
              "APPLIANCE=Appliance (fridge, washer, dryer)", "FURNITURE=Other furniture",
              "ELECTRONICS=TV or electronics", "TIRES=Tires (up to 4)"),
        _attr("ITEM_COUNT", "number", False, "How many items in all?",
              datatype_description="a whole number, 1 to 20"),
        _attr("PLACED", "singlevaluelist", False, "Where are the items?",
              "CURB=At the curb", "ALLEY=In the alley", "PARKWAY=On the parkway"),
    ],
    "GRAFFITI": [
        _attr("SURFACE", "singlevaluelist", True, "What is painted on?",
              "WALL=Wall", "FENCE=Fence", "UTILITY_BOX=Utility box", "SIGN=Sign or pole",
              "BENCH=Bus bench or shelter", "OTHER=Other"),
        _attr("OFFENSIVE", "singlevaluelist", False, "Is it offensive or gang-related?",
              *_YES_NO),
    ],
    "ILLEGAL_DUMP": [
        _attr("MATERIAL", "multivaluelist", True, "What was dumped?",
              "TRASH=Household trash", "DEBRIS=Construction debris", "TIRES=Tires",
              "FURNITURE=Furniture", "YARD=Yard waste", "HAZARDOUS=Paint, oil or chemicals"),
    ],
    "ABANDONED_VEH": [
        _attr("PLATE", "string", False, "License plate, if it has one",
              datatype_description="letters and digits as on the plate"),
        _attr("MAKE", "singlevaluelist", True, "Make of the vehicle",
              "CHEVROLET=Chevrolet", "FORD=Ford", "HONDA=Honda", "NISSAN=Nissan",
              "TOYOTA=Toyota", "OTHER=Other or unknown"),
        _attr("COLOR", "singlevaluelist", False, "Colour",
              "BLACK=Black", "BLUE=Blue", "GRAY=Gray or silver", "RED=Red", "WHITE=White",
              "OTHER=Other"),
        _attr("LAST_MOVED", "datetime", False, "When did you last see it moved?",
              datatype_description="ISO 8601 date and time, e.g. 2025-03-01T08:00:00-08:00"),
    ],
    "POTHOLE": [
        _attr("SIZE", "singlevaluelist", True, "How large is it?",
              "SMALL=Smaller than a dinner plate", "MEDIUM=Up to a car tire",
              "LARGE=Larger than a car tire"),
        _attr("LANE", "singlevaluelist", False, "Where in the street?",
              "TRAVEL=Travel lane", "BIKE=Bike lane", "CROSSWALK=Crosswalk", "CURB=By the curb"),
    ],
    "STREETLIGHT": [
        _attr("POLE_NUMBER", "string", False, "The number on the pole's tag, if you see one",
              datatype_description="e.g. RG-04521"),
        _attr("PROBLEM", "singlevaluelist", True, "What is wrong?",
              "OUT=Light is out", "FLICKERING=Flickering", "DAY_BURNING=On during the day",
              "DAMAGED=Pole or fixture damaged"),
    ],
    "ENCAMPMENT": [
        _attr("TENTS", "number", False, "About how many tents or structures?"),
        _attr("BLOCKING", "singlevaluelist", False, "Is the way blocked?",
              "SIDEWALK=Sidewalk blocked", "ENTRANCE=Entrance blocked", "NONE=Not blocked"),
        _attr("DETAILS", "text", False, "Anything outreach workers should know"),
    ],
    "NOISE": [
        _attr("SOURCE", "singlevaluelist", True, "What is making the noise?",
              "PARTY=Party or gathering", "MUSIC=Amplified music",
              "CONSTRUCTION=Construction", "ANIMAL=Animal", "EQUIPMENT=Equipment or alarm"),
        _attr("STARTED", "datetime", False, "When did it start?",
              datatype_description="ISO 8601 date and time"),
    ],
    "DEAD_ANIMAL": [
        _attr("ANIMAL", "singlevaluelist", True, "Which animal?",
              "CAT=Cat", "DOG=Dog", "BIRD=Bird", "WILDLIFE=Wildlife (opossum, raccoon...)",
              "OTHER=Other"),
    ],
    "TREE": [
        _attr("PROBLEM", "singlevaluelist", True, "What is the problem?",
              "TRIM=Needs trimming", "FALLEN_LIMB=Fallen limb", "ROOTS=Roots lifting walk",
              "DEAD=Dead or dying tree"),
        _attr("BLOCKING", "multivaluelist", False, "What does it block?",
              "SIDEWALK=Sidewalk", "STREET=Street", "DRIVEWAY=Driveway"),
    ],
    "WATER_LEAK": [
        _attr("SOURCE", "singlevaluelist", True, "Where is the water coming from?",
              "MAIN=Street or main", "METER=Meter box", "HYDRANT=Hydrant",
              "SPRINKLER=Sprinkler", "UNKNOWN=Not sure"),
    ],
    "TRAFFIC_SIGNAL": [
        _attr("SAFETY", "text", False, "A dark signal is an all-way stop. For a crash or "
              "immediate danger call 911.", variable=False),
        _attr("CONDITION", "singlevaluelist", True, "What is the signal doing?",
              "DARK=Dark", "FLASHING_RED=Flashing red", "STUCK=Stuck on one color",
              "TIMING=Timing seems wrong"),
    ],
    "STORM_DRAIN": [
        _attr("FLOODING", "singlevaluelist", False, "Is the street flooding?", *_YES_NO),
    ],
}

_TYPE = {"BULKY": "batch", "NOISE": "blackbox"}
_KEYWORDS = {
    "BULKY": "couch,mattress,furniture,appliance,pickup",
    "GRAFFITI": "tagging,paint,vandalism",
    "ILLEGAL_DUMP": "dumping,trash,debris",
    "ABANDONED_VEH": "car,vehicle,parking",
    "POTHOLE": "street,pavement,road",
    "STREETLIGHT": "light,lamp,dark",
    "ENCAMPMENT": "homeless,tents,outreach",
    "NOISE": "party,music,loud",
    "DEAD_ANIMAL": "animal,carcass",
    "TREE": "branch,limb,roots",
    "SIDEWALK": "curb,trip hazard,ramp",
    "WEEDS": "brush,vacant lot,fire hazard",
    "EXT_NUISANCE": "property,junk,code enforcement",
    "WATER_LEAK": "water,leak,main break",
    "TRAFFIC_SIGNAL": "signal,traffic light,intersection",
    "STORM_DRAIN": "drain,flooding,catch basin",
}
#: Per-service duplicate rules (radius in metres, window in days): the best F1 on the first
#: year of the seed-311 demo in ``bench/bench_duplicates.py --sweep`` (radius 25-150 m,
#: window 1-30 days); the second year is the held-out check. The windows are short because
#: the generator's repeats come within days (see ``_repeats``): a real city would measure
#: its own.
DUPLICATE_RULES: dict[str, tuple[int, int]] = {
    "BULKY": (25, 3), "GRAFFITI": (50, 3), "ILLEGAL_DUMP": (50, 3), "ABANDONED_VEH": (50, 3),
    "POTHOLE": (75, 7), "STREETLIGHT": (75, 3), "ENCAMPMENT": (100, 3), "NOISE": (100, 3),
    "DEAD_ANIMAL": (75, 7), "TREE": (50, 3), "SIDEWALK": (75, 3), "WEEDS": (75, 3),
    "EXT_NUISANCE": (50, 3), "WATER_LEAK": (100, 3), "TRAFFIC_SIGNAL": (100, 3),
    "STORM_DRAIN": (100, 7),
}


def definitions() -> dict[str, dict]:
    """``service_definitions.json``: ``{service_code: {"attributes": [...]}}``."""
    return {code: {"attributes": [dict(a, order=i + 1) for i, a in enumerate(attrs)]}
            for code, attrs in _ATTRIBUTES.items()}


def catalog_columns(code: str) -> dict[str, object]:
    """The Open311 and duplicate-rule columns of one catalog row."""
    radius, days = DUPLICATE_RULES.get(code, ("", ""))
    return {"type": _TYPE.get(code, "realtime"), "keywords": _KEYWORDS.get(code, ""),
            "duplicate_radius_m": radius, "duplicate_days": days}
