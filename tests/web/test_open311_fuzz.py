"""Whatever the arguments, an Open311 call answers 2xx or 4xx with a well-formed body, never 500."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo311.city import City
from geo311.service.store import open_store
from geo311.web import create_app

NAMES = ["jurisdiction_id", "service_request_id", "service_code", "start_date", "end_date",
         "status", "extensions", "district[ward]", "district[ward][]", "district[x]",
         "district[", "attribute[SIZE]", "attribute[ITEMS][]", "attribute[]", "lat", "long",
         "address_string", "address_id", "description", "media_url", "api_key", "zip",
         "updated_datetime", "update_id"]
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "open", "closed,open", "2025-01-01T00:00:00Z", "2025-01-01",
                     "9999-12-31T23:59:59-23:59", "1900-01-01T00:00:00+14:00", "POTHOLE",
                     "36.27", "-119.95", "1e308", "nan", "true", "FIXED", "rivergate"]))
ARGS = st.lists(st.tuples(st.sampled_from(NAMES), VALUES), max_size=8)
EXAMPLES = int(os.environ.get("GEO311_FUZZ_EXAMPLES", "100"))   # more for a longer local run
PATHS = ["services", "services/POTHOLE", "services/%00", "requests", "requests/x%2Fy",
         "requests/%00", "tokens/abc", "tokens/a%00b", "servicerequestupdates"]


@pytest.fixture(scope="module")
def client(demo_dir, store_url):
    store = open_store(store_url)
    app = create_app(City.open(demo_dir), store,
                     config={"GEO311_POST_LIMIT": "1000000 per minute"})
    return app.test_client(), store.create_api_key("fuzz"), store.create_api_key("crm",
                                                                                 staff=True)


def check(answer, fmt):
    assert answer.status_code < 500, answer.get_data(as_text=True)
    body = answer.get_data()
    if fmt == "xml":
        ET.fromstring(body)
    else:
        json.loads(body)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(PATHS), fmt=st.sampled_from(["json", "xml"]), args=ARGS)
def test_gets_never_fail(client, path, fmt, args):
    test_client, _, _ = client
    check(test_client.get(f"/open311/v2/{path}.{fmt}", query_string=args), fmt)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["requests", "servicerequestupdates"]),
       fmt=st.sampled_from(["json", "xml"]), args=ARGS, key=st.sampled_from([0, 1, 2]))
def test_posts_never_fail(client, path, fmt, args, key):
    test_client, resident, staff = client
    data = [(name, value) for name, value in args if name != "api_key"]
    if key:
        data.append(("api_key", resident if key == 1 else staff))
    body = "&".join(f"{_quote(name)}={_quote(value)}" for name, value in data)
    answer = test_client.post(f"/open311/v2/{path}.{fmt}", data=body.encode("utf-8", "replace"),
                              content_type="application/x-www-form-urlencoded")
    check(answer, fmt)


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text.encode("utf-8", "surrogatepass"), safe="")
