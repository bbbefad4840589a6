"""schemathesis against the OpenAPI document, on the WSGI app, with a test API key that may
submit and read staff details: no generated request may cause a server error (5xx).

Bounded: MAX_EXAMPLES per operation and a per-example deadline, so each backend adds about a
minute to the suite; the last test checks that at least 500 cases ran per backend (1,000 or
more across the two)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from crowdplan.api.openapi import document
from tests.api_helpers import make_key

MAX_EXAMPLES = 25
MIN_CASES_PER_BACKEND = 500
CASES: Counter[str] = Counter()


@pytest.fixture
def fuzz_key(demo):
    """A key with every scope, so the write paths and staff reads are exercised."""
    return make_key(demo, "submit", "staff-read", name="fuzz")


# The document the app serves at /api/v1/openapi.json (test_api checks that it is the same).
schema = schemathesis.openapi.from_dict(document())


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=timedelta(seconds=5),
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_errors(case, demo, fuzz_key, backend):
    CASES[backend] += 1
    headers = {"X-API-Key": fuzz_key}
    if case.path.startswith("/open311/") and case.method == "POST" and isinstance(case.body, dict):
        case.body.setdefault("api_key", fuzz_key)  # the spec's form parameter
    response = case.call(app=demo, headers=headers)  # through WSGI, no network
    case.validate_response(response, checks=[not_a_server_error])


def test_enough_cases_ran(app, backend):
    """Runs after the fuzz tests of the same backend (pytest keeps file order per backend)."""
    if not CASES[backend]:
        pytest.skip("the fuzz tests were deselected")
    print(f"schemathesis cases on {backend}: {CASES[backend]}")
    assert CASES[backend] >= MIN_CASES_PER_BACKEND, dict(CASES)
