"""schemathesis against the OpenAPI schema of a real server, every operation in it: schema-valid requests
(no 5xx, documented status codes, bodies matching the schema) and schema-invalid ones (no 5xx, refused with
a 4xx).  Bounded and reproducible: a fixed number of derandomized examples per operation and mode.
(schemathesis' pytest plugin does not run under pytest 9 yet, so operations are driven through its Python API
and Hypothesis directly.)  The routes outside the schema — the bots, the page — are fuzzed in test_hostile.py."""

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402

pytestmark = pytest.mark.slow

EXAMPLES = {GenerationMode.POSITIVE: 50, GenerationMode.NEGATIVE: 50}
# The documents' writes change the session's shared seed index: test_documents_api.py covers them (and their
# refusals) against a server of its own.
WRITES = {"POST /v1/documents", "PUT /v1/documents/{source}", "DELETE /v1/documents/{source}", "POST /v1/reindex"}


@pytest.mark.parametrize("mode", list(EXAMPLES), ids=lambda m: m.value)
def test_api_conforms_to_its_schema(live_server: str, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_url(f"{live_server}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {f"{op.method.upper()} {op.path}" for op in operations} >= {
        "POST /v1/ask",
        "POST /v1/search",
        "GET /v1/documents",
        "GET /v1/documents/{source}",
        "POST /v1/chat/completions",
        "GET /v1/models",
        "GET /healthz",
        "GET /readyz",
    }
    assert {f"{op.method.upper()} {op.path}" for op in operations} >= WRITES
    checks = schemathesis.checks
    exercised = []
    for operation in (op for op in operations if f"{op.method.upper()} {op.path}" not in WRITES):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES[mode],
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,  # the same requests on every run: CI is reproducible
        )
        def check(case) -> None:
            # Schema-valid requests may still be refused on meaning (an unknown province is a 422 that says
            # so), so positive_data_acceptance is left out; every other check runs, not_a_server_error first.
            case.call_and_validate(excluded_checks=[checks.positive_data_acceptance])

        try:
            check()
        except Unsatisfiable:  # nothing schema-invalid to send: no input, or a free-form string in the path
            assert mode is GenerationMode.NEGATIVE, operation.path
            continue
        exercised.append(f"{operation.method.upper()} {operation.path}")
    assert {"POST /v1/ask", "POST /v1/search", "POST /v1/chat/completions"} <= set(exercised)
