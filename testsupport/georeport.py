"""Checks of GeoReport v2 answers, independent of geo311's serializer.

- :func:`schema_validator` validates a JSON answer against the published GeoReport v2 JSON
  Schemas (``shared/open311``, resolved with a ``referencing`` registry, formats checked).
- :func:`assert_xml_matches_json` walks an XML answer guided by the JSON answer of the same
  call and asserts that they hold the same values, element by element.
- :func:`live_server` serves a WSGI app on loopback in a thread (a real socket, for
  third-party HTTP clients).
"""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry, Resource
from werkzeug.serving import make_server

SCHEMAS = ("request", "requests", "service", "services", "service-definition")


def schema_validator(folder: Path, name: str) -> Draft7Validator:
    """A validator of the schema ``name`` (e.g. ``"requests"``) in ``folder``.

    Fails when the format checks the schemas rely on (``date-time``, ``uri``) are not
    installed: without them, jsonschema silently accepts any string.
    """
    checker = FormatChecker()
    missing = {"date-time", "uri"} - set(checker.checkers)
    assert not missing, f"jsonschema cannot check the formats {missing}"
    contents = {f"{schema}.json": json.loads((folder / f"{schema}.json").read_text())
                for schema in SCHEMAS}
    registry = Registry().with_resources(
        (uri, Resource.from_contents(body, default_specification=_draft7()))
        for uri, body in contents.items())
    return Draft7Validator(contents[f"{name}.json"], registry=registry,
                           format_checker=checker)


def _draft7():
    from referencing.jsonschema import DRAFT7

    return DRAFT7


def assert_valid(validator: Draft7Validator, value: Any) -> None:
    """Assert that ``value`` validates, listing every violation when it does not."""
    errors = [f"{list(error.absolute_path)}: {error.message}"
              for error in validator.iter_errors(value)]
    assert not errors, "\n".join(errors)


def xml_safe(text: str) -> str:
    """``text`` as XML 1.0 can carry it: characters outside its Char production become U+FFFD."""
    def allowed(code: int) -> bool:
        return (code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
                or 0x10000 <= code <= 0x10FFFF)

    return "".join(ch if allowed(ord(ch)) else "\ufffd" for ch in text)


def assert_xml_matches_json(xml_body: bytes, json_value: Any, root: str) -> None:
    """Assert the XML document holds the JSON value under the Spark convention."""
    element = ET.fromstring(xml_body)
    assert element.tag == root, (element.tag, root)
    _match(element, json_value, root)


def _match(element: ET.Element, value: Any, where: str) -> None:
    if isinstance(value, list):
        assert (element.text or "").strip() == "", where
        assert len(element) == len(value), (where, len(element), len(value))
        assert len({child.tag for child in element}) <= 1, where
        for index, (child, item) in enumerate(zip(element, value, strict=True)):
            _match(child, item, f"{where}[{index}]")
    elif isinstance(value, dict):
        assert [child.tag for child in element] == list(value), (where, [c.tag for c in element])
        for child in element:
            _match(child, value[child.tag], f"{where}.{child.tag}")
    else:
        assert len(element) == 0, where
        text = element.text
        if value is None:
            assert text is None, (where, text)
        elif isinstance(value, bool):
            assert text == ("true" if value else "false"), (where, text)
        elif isinstance(value, int | float):
            assert text is not None and float(text) == value, (where, text, value)
        else:
            assert (text or "") == xml_safe(value), (where, text, value)


@contextmanager
def live_server(app) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port) in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
