"""GeoReport v2 bodies: one value, written as JSON or as the XML the Spark convention maps it to.

Open311 defines the XML and derives the JSON from it ("the Spark convention"): a JSON
list is an XML element holding one child per item, named by the singular of its tag
(``services`` holds ``service`` elements, ``attributes`` holds ``attribute``, ...); a
JSON object is an element whose children are its keys; ``None`` is an empty element;
``true``/``false`` and numbers are their JSON spelling. :func:`render` writes a value
in either format from the same Python value, so both always say the same thing.

Escaping: the XML is built with :mod:`xml.etree.ElementTree`, which escapes ``&``,
``<`` and ``>`` in every text; a carriage return is written ``&#13;`` so that it
survives parsing (a raw one reads back as a line feed); and the characters XML 1.0
cannot carry at all (most C0 controls, lone surrogates, U+FFFE/U+FFFF) are written as
U+FFFD. The JSON escapes every non-ASCII character and ``<``, ``>``, ``&``, ``'`` as
``\\uXXXX``, so that no body can be read as markup by a browser that sniffs it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from xml.etree import ElementTree

import orjson

__all__ = [
    "ITEM_TAGS",
    "JSON_MIMETYPE",
    "XML_MIMETYPE",
    "iso8601",
    "render",
    "to_json",
    "to_xml",
    "xml_text",
]

JSON_MIMETYPE = "application/json"
XML_MIMETYPE = "text/xml"

ITEM_TAGS: dict[str, str] = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}
"""The element each list's items are written as, by the list's own tag (Spark convention)."""

_TAG = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_JSON_MARKUP = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"}
_NON_ASCII = re.compile("[^\x00-\x7f]")
_ORJSON_STRICT = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
XML_DECLARATION = "<?xml version='1.0' encoding='utf-8'?>\n"


def iso8601(moment: datetime | None) -> str | None:
    """``moment`` in W3C date-time form with its UTC offset (``2025-03-01T08:15:30+00:00``).

    Raises ValueError for a naive datetime: GeoReport requires the offset.
    """
    if moment is None:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} has no time zone")
    return moment.isoformat(timespec="seconds")


def xml_text(value: Any) -> str | None:
    """The text of the element ``value`` becomes (None for an empty element).

    Booleans are ``true``/``false``, numbers their JSON spelling (a non-finite one has
    none: an empty element, as JSON's ``null``), strings themselves with the characters
    XML cannot carry replaced by U+FFFD.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return json.dumps(value) if math.isfinite(value) else None
    if isinstance(value, str):
        return _NOT_XML.sub("\ufffd", value)
    raise TypeError(f"cannot write a {type(value).__name__} as GeoReport text")


def _fill(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, str) or not isinstance(value, Mapping | list | tuple):
        element.text = xml_text(value)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _fill(ElementTree.SubElement(element, _tag(key)), item)
    else:
        item_tag = ITEM_TAGS.get(element.tag)
        if item_tag is None:
            raise ValueError(f"no item tag is known for a list under <{element.tag}>")
        for item in value:
            _fill(ElementTree.SubElement(element, item_tag), item)


def _tag(name: Any) -> str:
    """An element name: only the fixed names of the format, never data, may become one."""
    if not isinstance(name, str) or not _TAG.match(name):
        raise ValueError(f"{name!r} is not a GeoReport element name")
    return name


def to_xml(root: str, value: Any) -> bytes:
    """``value`` as a UTF-8 XML document with the root element ``root``."""
    element = ElementTree.Element(_tag(root))
    _fill(element, value)
    body = ElementTree.tostring(element, encoding="unicode")
    # ElementTree leaves a carriage return raw in text (attributes are not used); a parser
    # would read it back as a line feed, the character reference keeps it.
    return (XML_DECLARATION + body.replace("\r", "&#13;")).encode("utf-8")


def _escaped(match: re.Match[str]) -> str:
    """A non-ASCII character as JSON's ``\\uXXXX`` (a surrogate pair beyond the BMP)."""
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _finite(value: Any) -> Any:
    """``value`` with each non-finite number as None (as orjson writes it)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def to_json(value: Any) -> bytes:
    """``value`` as JSON text (ASCII; markup characters escaped inside strings; a
    non-finite number is ``null``).

    Written by orjson (a page of 1,000 requests in a fraction of the json module's time),
    then its non-ASCII characters escaped; text orjson refuses (a lone surrogate) goes
    through the json module. Other types than JSON's are a TypeError either way.
    """
    try:
        body = orjson.dumps(value, option=_ORJSON_STRICT)
    except TypeError:
        text = json.dumps(_finite(value), ensure_ascii=True, allow_nan=False,
                          separators=(",", ":"))
    else:
        text = body.decode("utf-8")
        if not body.isascii():      # non-ASCII is only ever inside strings
            text = _NON_ASCII.sub(_escaped, text)
    # outside strings JSON has none of these characters, so this only touches string content
    for character, escape in _JSON_MARKUP.items():
        if character in text:
            text = text.replace(character, escape)
    return text.encode("ascii")


def render(value: Any, root: str, fmt: str) -> tuple[bytes, str]:
    """``(body, mimetype)`` of ``value`` in ``fmt`` (``json`` or ``xml``, root element ``root``)."""
    if fmt == "xml":
        return to_xml(root, value), XML_MIMETYPE
    if fmt == "json":
        return to_json(value), JSON_MIMETYPE
    raise ValueError(f"unknown format {fmt!r}")
