"""GeoReport bodies: the XML and the JSON of one value say the same thing, and escape everything."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone

import pytest
import xmltodict
from hypothesis import given, settings
from hypothesis import strategies as st

from geo311.web.georeport_format import iso8601, render, to_json, to_xml

HOSTILE = [
    "<script>alert('x')</script>",
    "]]><![CDATA[<b>bold</b>",
    "a & b &amp; &#60; &lt;",
    "line1\r\nline2\rline3\n",
    "tab\there \"quoted\" 'single'",
    "</description><status>closed</status>",
    "\x00\x01\x08\x0b\x0c\x1f\x7f nul and friends",
    "\ufffe\uffff non-characters",
    "\ud800 lone surrogate",
    "emoji \U0001f6a7 and accents éü and RTL \u202e",
]


def xml_allowed(ch: str) -> bool:
    """XML 1.0's Char production, written out independently of the serializer."""
    code = ord(ch)
    return (code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF)


def xml_expected(text: str) -> str:
    return "".join(ch if xml_allowed(ch) else "\ufffd" for ch in text)


def test_a_list_of_services_in_both_formats():
    services = [{"service_code": "GRAFFITI", "service_name": "Graffiti", "description": None,
                 "metadata": True, "type": "realtime", "keywords": "paint, tag",
                 "group": "streets"}]
    body, mimetype = render(services, "services", "xml")
    assert mimetype == "text/xml"
    assert body.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ET.fromstring(body)
    assert root.tag == "services"
    [service] = root
    assert service.tag == "service"
    assert [child.tag for child in service] == list(services[0])
    assert service.findtext("metadata") == "true"
    assert service.find("description").text is None
    body, mimetype = render(services, "services", "json")
    assert mimetype == "application/json"
    assert json.loads(body) == services


def test_nested_lists_take_their_singular_item_names():
    definition = {"service_code": "X", "attributes": [
        {"code": "size", "order": 1, "values": [{"key": "s", "name": "Small"},
                                                {"key": "l", "name": "Large"}]}]}
    parsed = xmltodict.parse(to_xml("service_definition", definition))
    attribute = parsed["service_definition"]["attributes"]["attribute"]
    assert attribute["code"] == "size" and attribute["order"] == "1"
    assert [v["name"] for v in attribute["values"]["value"]] == ["Small", "Large"]


def test_an_empty_list_is_an_empty_element():
    root = ET.fromstring(to_xml("service_requests", []))
    assert root.tag == "service_requests" and len(root) == 0
    assert json.loads(to_json([])) == []


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_escaped_and_reads_back(text):
    value = [{"service_request_id": "1", "description": text, "status_notes": text}]
    body = to_xml("service_requests", value)
    assert b"<script>" not in body and b"]]>" not in body
    root = ET.fromstring(body)          # well-formed whatever the text held
    request = root.find("request")
    assert request.findtext("description") == xml_expected(text)
    assert len(request) == 3            # the text opened no element of its own
    raw = to_json(value)
    assert raw.isascii() and b"<" not in raw and b">" not in raw and b"&" not in raw
    assert json.loads(raw) == value


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_survives_both_formats(text):
    root = ET.fromstring(to_xml("errors", [{"code": 400, "description": text}]))
    assert root.find("error").findtext("description") == xml_expected(text)
    assert json.loads(to_json({"description": text})) == {"description": text}


def test_numbers_and_booleans_are_spelled_as_in_json():
    value = {"lat": 34.052235, "long": -118.2436849, "order": 3, "metadata": False}
    root = ET.fromstring(to_xml("request", value))
    assert float(root.findtext("lat")) == value["lat"]
    assert float(root.findtext("long")) == value["long"]
    assert root.findtext("order") == "3" and root.findtext("metadata") == "false"


def test_data_never_becomes_an_element_name():
    with pytest.raises(ValueError):
        to_xml("request", {"<evil>": "x"})
    with pytest.raises(ValueError):
        to_xml("request", {"a b": "x"})
    with pytest.raises(ValueError, match="item tag"):
        to_xml("request", {"unknown_list": [1, 2]})


def test_non_finite_numbers_have_no_value():
    """JSON has no spelling for them: null, an empty element in XML."""
    for number in (float("nan"), float("inf"), -float("inf")):
        assert json.loads(to_json({"lat": number, "long": 1.5})) == {"lat": None, "long": 1.5}
        assert json.loads(to_json({"lat": number, "text": "\ud800"})) == \
            {"lat": None, "text": "\ud800"}                          # the json module's path
        root = ET.fromstring(to_xml("request", {"lat": number}))
        assert root.find("lat") is not None and root.find("lat").text is None


@given(st.recursive(st.none() | st.booleans() | st.integers(-2**53, 2**53)
                    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20))
@settings(max_examples=300, deadline=None)
def test_json_is_what_the_json_module_reads_back_and_ascii(value):
    """The fast writer's text is ASCII, with no raw markup character, and reads back as the
    value (the json module as the oracle)."""
    raw = to_json(value)
    assert raw.isascii() and not any(c in raw for c in b"<>&'")
    assert json.loads(raw) == json.loads(json.dumps(value))


def test_datetimes_carry_their_offset():
    assert iso8601(datetime(2025, 3, 1, 8, 15, 30, 999, tzinfo=UTC)) == "2025-03-01T08:15:30+00:00"
    pst = timezone(timedelta(hours=-8))
    assert iso8601(datetime(1994, 11, 5, 8, 15, 30, tzinfo=pst)) == "1994-11-05T08:15:30-08:00"
    assert iso8601(None) is None
    with pytest.raises(ValueError, match="time zone"):
        iso8601(datetime(2025, 3, 1))
