"""GeoReport body edges found by mutation testing (`make mutate`): the first character beyond the
BMP, a zone without an offset, types JSON has not, the json module's path, the error messages."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, tzinfo

import pytest

from geo311.web.georeport_format import iso8601, render, to_json, to_xml, xml_text


@pytest.mark.parametrize("character", ["\uffff", "\U00010000", "\U00010001", "\U0010ffff"])
def test_characters_at_the_edge_of_the_bmp_are_escaped_as_the_json_module_does(character):
    """U+FFFF is the last character one \\uXXXX holds, U+10000 the first that takes a pair."""
    raw = to_json({"t": character})
    assert raw == json.dumps({"t": character}, separators=(",", ":")).encode("ascii")
    assert json.loads(raw) == {"t": character}


class NoOffset(tzinfo):
    """A zone that does not know its offset (``utcoffset`` None)."""

    def utcoffset(self, dt):
        return None

    def dst(self, dt):
        return None

    def tzname(self, dt):
        return None


def test_a_zone_without_an_offset_is_refused():
    moment = datetime(2025, 3, 1, 8, 15, 30, tzinfo=NoOffset())
    assert moment.tzinfo is not None and moment.utcoffset() is None
    with pytest.raises(ValueError, match="has no time zone"):
        iso8601(moment)


@dataclasses.dataclass
class Point:
    lon: float


@pytest.mark.parametrize("value", [
    {"at": datetime(2025, 3, 1, tzinfo=UTC)},   # iso8601() first, never orjson's own spelling
    {"point": Point(1.5)},
    {"at": datetime(2025, 3, 1, tzinfo=UTC), "text": "\ud800"},  # the json module's path
])
def test_dates_and_dataclasses_are_not_json_values(value):
    with pytest.raises(TypeError):
        to_json(value)


def test_the_json_modules_path_writes_the_same_compact_text():
    """A lone surrogate sends the value through the json module: no spaces either."""
    value = {"a": [1, 2.5, None, True], "b": {"c": "d"}}
    assert to_json(value) == b'{"a":[1,2.5,null,true],"b":{"c":"d"}}'
    assert to_json({**value, "s": "\ud800"}) == \
        b'{"a":[1,2.5,null,true],"b":{"c":"d"},"s":"\\ud800"}'


def test_errors_name_what_was_wrong():
    with pytest.raises(ValueError, match=r"^'<evil>' is not a GeoReport element name$"):
        to_xml("request", {"<evil>": "x"})
    with pytest.raises(ValueError, match=r"^unknown format 'yaml'$"):
        render([], "services", "yaml")
    with pytest.raises(TypeError, match=r"^cannot write a set as GeoReport text$"):
        xml_text({1})
    with pytest.raises(TypeError, match=r"^cannot write a bytes as GeoReport text$"):
        to_xml("request", {"description": b"raw"})
