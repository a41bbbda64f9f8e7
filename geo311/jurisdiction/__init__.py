"""Point to jurisdiction: which agency and which service districts serve a location."""

from geo311.jurisdiction.batch import BatchSummary, locate_csv
from geo311.jurisdiction.locate import Locations, Locator

__all__ = ["BatchSummary", "Locations", "Locator", "locate_csv"]
