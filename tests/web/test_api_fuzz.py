"""schemathesis against /api/v1/openapi.json: generated calls, valid and invalid, to every
operation of an app over a seeded store; no answer is a server error and every answer
matches the document (status code, content type, schema)."""

from __future__ import annotations

import os

import hypothesis
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from geo311.service.records import RequestQuery

# per operation, generation mode and id choice: 1,085 cases in all; GEO311_FUZZ_EXAMPLES=350
# makes a local run of about 11,000
EXAMPLES = int(os.environ.get("GEO311_FUZZ_EXAMPLES", "35"))
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance,
          content_type_conformance]


def run_operation(operation, strategy, keys, calls: dict[str, int]) -> None:
    """Call ``operation`` with ``EXAMPLES`` cases of ``strategy``, each with one of ``keys``."""
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck), phases=[hypothesis.Phase.generate])
    @given(case=strategy, key=st.sampled_from(keys))
    def call(case, key):
        response = case.call(headers=None if key is None else {"X-API-Key": key})
        case.validate_response(response, checks=CHECKS)
        calls[operation.label] = calls.get(operation.label, 0) + 1

    call()


def test_generated_calls_never_get_a_server_error(served):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", served.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13, [op.label for op in operations]  # all but the document
    keys = [served.staff_key, served.public_key, "nokey.nosecret", None]
    known_id = served.store.list_requests(RequestQuery(limit=1))[0].service_request_id
    calls: dict[str, int] = {}
    for operation in operations:
        modes = [GenerationMode.POSITIVE]
        if len(operation.query) or len(operation.path_parameters) or len(operation.body):
            modes.append(GenerationMode.NEGATIVE)       # something that can be made invalid
        for mode in modes:
            run_operation(operation, operation.as_strategy(generation_mode=mode), keys, calls)
            if "{request_id}" in operation.path and mode is GenerationMode.POSITIVE:
                strategy = operation.as_strategy(generation_mode=mode,
                                                 path_parameters={"request_id": known_id})
                run_operation(operation, strategy, keys, calls)
    assert sum(calls.values()) >= 1000, calls
    print(f"schemathesis: {sum(calls.values()):,} cases, no server error")
