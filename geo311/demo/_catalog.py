"""The service catalog (Open311 request types) and crew staffing per ward."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo311.demo._definitions import catalog_columns

#: The department whose crews are spread evenly over the wards although its
#: demand is not (one ward files a third of its requests, another a sixth).
EVEN_DEPARTMENT = "Code Enforcement"


@dataclass(frozen=True)
class ServiceType:
    """One request type and how the generator draws it.

    ``share`` is its share of background requests, ``season`` the relative
    amplitude and peak day-of-year of its yearly cycle and ``where`` the
    spatial profile: ``flat`` (address density only), ``downtown``,
    ``arterial``, ``outskirts``, ``south`` or ``wards`` (a few wards file
    most of it).
    """

    code: str
    name: str
    group: str
    department: str
    sla_days: int
    description: str
    share: float
    season: tuple[float, int]
    where: str
    says: tuple[str, ...]


CATALOG = (
    ServiceType("BULKY", "Bulky Item Pickup", "Sanitation", "Sanitation", 7,
                "Scheduled pickup of furniture, appliances and other large items.",
                0.24, (0.15, 180), "flat",
                ("couch and mattress at curb", "old fridge, doors removed", "2 chairs + table",
                 "broken dresser", "washer and dryer", "sofa sectional on parkway")),
    ServiceType("GRAFFITI", "Graffiti Removal", "Graffiti & Blight", "Public Works", 3,
                "Removal of graffiti from public and private property visible from the street.",
                0.17, (0.10, 200), "downtown",
                ("tagging on wall", "graffiti on utility box", "spray paint on fence",
                 "tags on bus bench", "large mural-style tag on garage door")),
    ServiceType("ILLEGAL_DUMP", "Illegal Dumping", "Sanitation", "Sanitation", 5,
                "Cleanup of trash, debris or items dumped on streets, alleys or vacant lots.",
                0.10, (0.10, 150), "south",
                ("pile of trash in alley", "construction debris dumped", "tires dumped by lot",
                 "bags of garbage on sidewalk", "yard waste dumped in street")),
    ServiceType("ABANDONED_VEH", "Abandoned Vehicle", "Parking & Vehicles", "Transportation",
                10, "A vehicle parked on a public street for more than 72 hours.",
                0.07, (0.0, 1), "flat",
                ("car hasn't moved in weeks", "no plates, flat tires", "RV parked for a month",
                 "white van covered in dust")),
    ServiceType("POTHOLE", "Pothole Repair", "Streets", "Public Works", 7,
                "Repair of potholes and pavement failures in the roadway.",
                0.07, (0.60, 25), "arterial",
                ("deep pothole in lane", "pothole near crosswalk", "several potholes after rain",
                 "sinkhole forming", "pothole damaged my tire")),
    ServiceType("STREETLIGHT", "Streetlight Out", "Streets", "Public Works", 14,
                "Repair of a street light that is out, flickering or on during the day.",
                0.05, (0.25, 355), "arterial",
                ("light out", "streetlight flickering", "pole light out whole block",
                 "light on during day")),
    ServiceType("ENCAMPMENT", "Homeless Encampment", "Homelessness", "Sanitation", 10,
                "Outreach and cleanup at an encampment on public property.",
                0.04, (0.10, 190), "downtown",
                ("tents on sidewalk", "encampment blocking walkway", "tents near park entrance",
                 "belongings and trash by underpass")),
    ServiceType("NOISE", "Noise Complaint", "Public Safety", "Police", 2,
                "Loud music, parties, construction or equipment outside permitted hours.",
                0.04, (0.50, 195), "downtown",
                ("loud party", "music every night", "construction before 7am",
                 "dog barking all night", "leaf blower at 6am")),
    ServiceType("DEAD_ANIMAL", "Dead Animal Removal", "Sanitation", "Sanitation", 2,
                "Removal of a dead animal from the street or sidewalk.",
                0.04, (0.20, 200), "outskirts",
                ("dead cat in street", "dead dog on shoulder", "dead opossum by curb",
                 "dead bird near school")),
    ServiceType("TREE", "Tree Trimming / Fallen Tree", "Parks & Trees", "Parks & Forestry", 30,
                "Trimming of street trees, removal of fallen limbs and dead trees.",
                0.04, (0.40, 95), "flat",
                ("branch blocking sidewalk", "fallen limb after wind", "tree roots lifting walk",
                 "dead tree leaning over house")),
    ServiceType("SIDEWALK", "Sidewalk Repair", "Streets", "Public Works", 60,
                "Repair of broken, lifted or missing sidewalk and curb.",
                0.03, (0.0, 1), "flat",
                ("sidewalk lifted by roots", "broken curb", "trip hazard", "missing ramp")),
    ServiceType("WEEDS", "Overgrown Weeds / Vacant Lot", "Graffiti & Blight",
                "Parks & Forestry", 21,
                "Abatement of overgrown weeds and dry brush on lots and parkways.",
                0.03, (0.70, 120), "outskirts",
                ("weeds 3 ft tall", "dry brush fire hazard", "overgrown vacant lot")),
    ServiceType("EXT_NUISANCE", "Exterior Nuisance (Property)", "Graffiti & Blight",
                EVEN_DEPARTMENT, 14,
                "Junk, debris or unsafe conditions on the outside of private property.",
                0.04, (0.20, 140), "wards",
                ("junk piled in front yard", "boarded house, open windows",
                 "cars on the lawn", "broken fence and trash")),
    ServiceType("WATER_LEAK", "Water Leak", "Water", "Water Utility", 1,
                "Water running in the street, a broken main, meter or sprinkler.",
                0.03, (0.30, 210), "flat",
                ("water running down gutter", "broken sprinkler", "main break?",
                 "leak at meter box")),
    ServiceType("TRAFFIC_SIGNAL", "Traffic Signal Malfunction", "Traffic", "Transportation",
                1, "A traffic signal that is dark, stuck or flashing.",
                0.015, (0.20, 10), "arterial",
                ("signal flashing red", "light stuck on red", "signal dark")),
    ServiceType("STORM_DRAIN", "Clogged Storm Drain", "Streets", "Public Works", 5,
                "Cleaning of clogged catch basins and flooded gutters.",
                0.015, (0.90, 15), "flat",
                ("drain clogged, street flooding", "leaves blocking drain", "water pooling")),
)

#: Free-text a few callers type (real input that pages must escape).
HTML_SNIPPETS = (
    "<b>big</b> couch", "see photo <a href='http://example.com/p.jpg'>here</a>",
    "<script>alert('311')</script>", "tom & jerry's <i>mess</i>", "3 > 2 bags <br> more",
)


def catalog_table() -> pd.DataFrame:
    """Return ``service_catalog.csv`` as a DataFrame: the service columns, then the Open311
    and duplicate-rule columns of :func:`~geo311.demo._definitions.catalog_columns`."""
    table = pd.DataFrame(
        {
            "service_code": [s.code for s in CATALOG],
            "service_name": [s.name for s in CATALOG],
            "group": [s.group for s in CATALOG],
            "department": [s.department for s in CATALOG],
            "sla_days": [s.sla_days for s in CATALOG],
            "description": [s.description for s in CATALOG],
        }
    )
    extra = pd.DataFrame([catalog_columns(s.code) for s in CATALOG])
    return pd.concat([table, extra], axis=1)


def staffing_table(
    rng: np.random.Generator, wards: list[str], request_ward: np.ndarray, request_code: np.ndarray
) -> pd.DataFrame:
    """Crews per ward and department.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the staffing noise.
    wards : list of str
        Ward ids.
    request_ward, request_code : numpy.ndarray
        Ward ("" outside the city) and service code of every request.

    Returns
    -------
    pandas.DataFrame
        Columns ``ward, department, crews``. Crews follow demand (with noise)
        except for :data:`EVEN_DEPARTMENT`, which has three crews in every ward.
    """
    dept_of = {s.code: s.department for s in CATALOG}
    departments = sorted(set(dept_of.values()))
    request_dept = np.array([dept_of[c] for c in request_code], dtype=object)
    rows = []
    for dept in departments:
        demand = np.array(
            [np.sum((request_ward == w) & (request_dept == dept)) for w in wards], dtype=float
        )
        if dept == EVEN_DEPARTMENT:
            crews = np.full(len(wards), 3)
        else:
            total = max(len(wards) * 2, demand.sum() / 900.0)
            share = demand / max(demand.sum(), 1.0) * rng.uniform(0.85, 1.15, len(wards))
            crews = np.maximum(1, np.round(total * share)).astype(int)
        rows += [(w, dept, int(c)) for w, c in zip(wards, crews, strict=True)]
    return pd.DataFrame(rows, columns=["ward", "department", "crews"])
