"""Point to jurisdiction: which agency and which service districts serve a location."""

from geo311.jurisdiction.locate import Locations, Locator
from geo311.jurisdiction.locate_file import BatchSummary, locate_csv

__all__ = ["BatchSummary", "Locations", "Locator", "locate_csv"]
