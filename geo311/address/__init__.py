"""Addresses: USPS Publication 28 parsing and normalization.

``normalize`` holds the Pub 28 tables and the part normalizers; ``parse`` turns
free text into a :class:`ParsedAddress`.
"""

from geo311.address.normalize import (
    DIRECTIONALS,
    STATES,
    SUFFIXES,
    UNIT_DESIGNATORS,
    Street,
    format_line,
    normalize_directional,
    normalize_state,
    normalize_street_name,
    normalize_suffix,
    normalize_unit,
)
from geo311.address.parse import AddressKind, ParsedAddress, parse

__all__ = [
    "DIRECTIONALS",
    "STATES",
    "SUFFIXES",
    "UNIT_DESIGNATORS",
    "AddressKind",
    "ParsedAddress",
    "Street",
    "format_line",
    "normalize_directional",
    "normalize_state",
    "normalize_street_name",
    "normalize_suffix",
    "normalize_unit",
    "parse",
]
