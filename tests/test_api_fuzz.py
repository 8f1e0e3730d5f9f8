"""Schemathesis fuzzes the sync API from its own OpenAPI document.

Bounded (a few dozen cases an operation, a few short stateful sequences) to keep `make
test` quick; `make load` runs many more (PEERKIT_FUZZ_EXAMPLES). It checks for server errors
and for answers (status, content type, body) that break the document.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from peerkit.extensions import db

from . import api_helpers as h

OPERATIONS = [
    ("/api/v1/devices", "POST"),
    ("/api/v1/sync/push", "POST"),
    ("/api/v1/sync/pull", "GET"),
    ("/api/v1/devices/current/sign-out", "POST"),
]
EXAMPLES = int(os.environ.get("PEERKIT_FUZZ_EXAMPLES", 8)) * 5
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.mark.parametrize("path, method", OPERATIONS)
def test_api_matches_its_document_and_never_fails(app, two_areas, path, method):
    # The document as the app serves it, called in-process through WSGI.
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)[path][method]
    token = h.token_for(two_areas.north.peer)  # provisioned, to get past authentication

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def fuzz(case):
        case.call_and_validate(headers=_headers(token), checks=CHECKS)

    fuzz()


def test_document_covers_every_api_route_and_error_shape(app, client):
    document = client.get("/api/v1/openapi.json").json
    documented = {path for path in document["paths"]}
    routed = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.rule != "/api/v1/openapi.json"
    }
    assert routed == documented
    assert document["components"]["securitySchemes"]["deviceToken"]["scheme"] == "bearer"
    for path in document["paths"].values():
        for operation in path.values():
            for status, answer in operation["responses"].items():
                if status.startswith(("4", "5")):
                    assert answer["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Error"
                    }


def test_stateful_phase_follows_the_documents_links(app, two_areas):
    """Schemathesis' stateful phase: sequences built from the document's `links` (a pull
    page's cursor into the next pull). `make load` runs many more steps."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    links = schema.raw_schema["paths"]["/api/v1/sync/pull"]["get"]["responses"]["200"]["links"]
    assert links["NextPage"]["parameters"] == {"cursor": "$response.body#/cursor"}
    token = h.token_for(two_areas.north.peer)
    db.session.commit()

    class Workflow(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": _headers(token)}

        def validate_response(self, response, case, **kwargs):
            # The checks of the test above: the token is real, so "ignored auth" is moot.
            case.validate_response(response, checks=CHECKS)

    Workflow.run(
        settings=settings(
            max_examples=EXAMPLES // 5,
            stateful_step_count=6,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )


def _headers(token: str) -> dict:
    # Called in-process (WSGI), nothing undoes a Content-Encoding: ask for none. Compressed
    # answers are tested in tests/test_compression.py.
    return {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}
