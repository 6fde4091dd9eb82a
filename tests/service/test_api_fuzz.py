"""The HTTP API fuzzed from its own OpenAPI schema (schemathesis): for every operation, generated
requests -- valid ones and ones that break the schema (wrong types, missing fields, odd strings,
huge numbers) -- never get a 500 and never hang, with and without the API key. Slow: a few hundred
requests against a small index."""

from __future__ import annotations

import pytest

pytest.importorskip("httpx", reason="the service tests need httpx (pip install -e '.[test]')")
schemathesis = pytest.importorskip("schemathesis", reason="pip install -e '.[test]'")
from hypothesis import HealthCheck, settings  # noqa: E402
from conftest import SEEDS  # noqa: E402

from copytrace.document import Document  # noqa: E402
from copytrace.ingest import read_inputs  # noqa: E402
from copytrace.service.app import create_app  # noqa: E402
from copytrace.store import Index  # noqa: E402

KEY = "fuzz-key"


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "ix.db"
    with Index(path, create=True) as ix:
        ix.add([d for d in read_inputs([SEEDS]) if isinstance(d, Document)])
    app = create_app(path, api_key=KEY, max_body=200_000)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def _operations(schema):
    for result in schema.get_all_operations():
        yield result.ok()


@pytest.mark.slow
def test_no_request_gets_a_server_error(api_schema):
    # schemathesis's pytest plugin does not load under this pytest; the same strategies are
    # driven with hypothesis directly, one operation at a time
    from hypothesis import given
    from hypothesis.errors import Unsatisfiable

    from schemathesis import GenerationMode

    seen, calls = [], []
    ops = list(_operations(api_schema))
    for op, mode in ((op, mode) for op in ops for mode in GenerationMode):
        @given(case=op.as_strategy(generation_mode=mode))
        @settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            for headers in ({}, {"X-API-Key": KEY}):
                response = case.call(headers=headers, timeout=30)
                calls.append(response.status_code)
                assert response.status_code < 500, (case.method, case.path, case.body,
                                                    response.status_code, response.text[:500])

        try:
            run()
        except Unsatisfiable:  # no parameter or body to break (GET /health)
            assert mode == GenerationMode.NEGATIVE
            continue
        seen.append(f"{op.method.upper()} {op.path} {mode.value}")
    # every documented operation was fuzzed with valid and with schema-breaking requests, and
    # some of them got through (2xx), some were refused (4xx)
    assert sum(s.endswith("positive") for s in seen) == len(ops) >= 8, seen
    assert sum(s.endswith("negative") for s in seen) >= 4, seen  # those with a body or numbers
    assert any(c < 300 for c in calls) and any(400 <= c < 500 for c in calls)
    print(f"{len(calls)} requests over {len(seen)} operation/mode runs")
