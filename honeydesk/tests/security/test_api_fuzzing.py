"""The hostile suite, part 1: Schemathesis fuzzes the API from its own OpenAPI document
(issue 19), with the token of each role, against a live server on 127.0.0.1.

Every role (admin, customer, agent, supervisor) gets every phase (examples, coverage,
fuzzing, stateful) with its own token: the coverage phase's boundary values and missing
fields reach other code as a customer (refusals, the customer's own shapes) than as an
admin. The admin, who reaches every operation's logic, gets the longest run; each run is
bounded in examples and seconds, so the whole test stays under two minutes per database
(HONEYDESK_FUZZ_SECONDS scales it). Any server error, any status, content type
or body the document does not declare, and any request that breaks the document but is
accepted, fails the test with Schemathesis' own report of the request that did it.

Not checked: `positive_data_acceptance` (a request the schema allows may still be refused:
an unknown case reference is 404, a resolved case cannot be resolved again: 409). It would
not catch a document that calls a refused field optional either: its accepted statuses
include 409, the answer to a write without the case version. That the document marks
`version` required exactly where the server demands it is checked by
test_findings.py::test_the_document_marks_the_case_version_required_where_the_server_demands_it,
and the coverage phase then sends each such write without it (409 is a rejection). Nor the
checks that need two users' objects in one run (`use_after_free` has no DELETE to follow;
the access matrix, test_access_matrix.py, covers who may see what).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from honeydesk.accounts.actions import do_issue_token
from honeydesk.testing import make_cast

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
        "missing_required_header",
        "ignored_auth",
    ]
)
# Seconds for the admin's run (the others get a third each), and examples per operation.
SECONDS = int(os.environ.get("HONEYDESK_FUZZ_SECONDS", "40"))
EXAMPLES = int(os.environ.get("HONEYDESK_FUZZ_EXAMPLES", "15"))
ALL_PHASES = "examples,coverage,fuzzing,stateful"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def _run(url: str, token: str, report: Path, seed: int, phases: str, seconds: int) -> tuple[int, str]:
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{url}/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--phases",
        phases,
        "--checks",
        CHECKS,
        "--max-examples",
        str(EXAMPLES),
        "--max-time",
        str(seconds),
        "--seed",
        str(seed),
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--suppress-health-check",
        "all",
        "--no-color",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    env = {**os.environ, "SCHEMATHESIS_TELEMETRY": "false", "NO_COLOR": "1"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds * 4 + 60, env=env, cwd=report.parent)
    return done.returncode, done.stdout[-20_000:] + done.stderr[-5_000:]


@pytest.fixture
def quiet_request_log() -> Iterator[None]:
    """Thousands of refused requests would each log a warning line."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_every_generated_request_as_its_document_says(live_server, tmp_path, quiet_request_log):
    cast = make_cast()
    roles = {
        "admin": (cast.admin, SECONDS),
        "customer": (cast.alice, max(5, SECONDS // 3)),
        "agent": (cast.billing_agent, max(5, SECONDS // 3)),
        "supervisor": (cast.supervisor, max(5, SECONDS // 3)),
    }
    only = os.environ.get("HONEYDESK_FUZZ_ROLES")
    if only:
        roles = {k: v for k, v in roles.items() if k in only.split(",")}
    failures = {}
    for seed, (role, (user, seconds)) in enumerate(roles.items(), start=19):
        _, raw = do_issue_token(user, "fuzz", acting_user=None, via="test")
        code, output = _run(live_server.url, raw, tmp_path / f"{role}.json", seed, ALL_PHASES, seconds)
        if code != 0:
            failures[role] = output
    assert not failures, "\n\n".join(f"=== {role} ===\n{out}" for role, out in failures.items())
    # The runs were real: the server answered every role's requests.
    assert all((tmp_path / f"{role}.json").exists() for role in roles), json.dumps(sorted(os.listdir(tmp_path)))
