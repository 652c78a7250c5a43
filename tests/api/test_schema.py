"""Issue 12: Schemathesis drives every operation of the live OpenAPI schema with generated requests — no 500, and
every documented response conforms to the schema, error bodies (problem+json, api.schema) included. Every operation,
the password → token exchange too.

Against a running server: pytest-django's live_server (a real HTTP server in a thread of the test process). The
schema is fetched from the server's /api/schema/ and every generated case travels over HTTP with `requests`, as a
read-write street office token and a read-only bureau token on the demo data."""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance


@pytest.fixture
def http():
    """A session that talks to the live server directly: this environment sets proxies and REQUESTS_CA_BUNDLE, which
    `requests` would otherwise apply to 127.0.0.1 as well."""
    session = requests.Session()
    session.trust_env = False
    yield session
    session.close()


@pytest.fixture
def tokens(transactional_db):
    """Demo data and two tokens, committed so that the server thread sees them; pytest-django flushes the tables after
    the test. No serialized_rollback: after another transactional test's flush has re-created the content types, it
    would load them a second time (UNIQUE constraint failed: django_content_type); the API needs no migration rows."""
    from api.tokens import api_token_create
    from demo.loader import demo_load
    from stations.models import User

    demo_load()
    street = api_token_create(user=User.objects.get(username="street_xicun"), name="schemathesis", days=1,
                              read_only=False)[1]
    bureau = api_token_create(user=User.objects.get(username="bureau_liwan"), name="schemathesis", days=1,
                              read_only=True)[1]
    return {"street": street, "bureau": bureau}


@pytest.fixture
def live_schema(live_server, http, tokens):
    """The OpenAPI document as the running server serves it."""
    response = http.get(f"{live_server.url}/api/schema/", params={"format": "json"},
                        headers={"Authorization": f"Token {tokens['bureau']}"}, timeout=60)
    assert response.status_code == 200, response.text[:500]
    return schemathesis.openapi.from_dict(response.json())


schema = schemathesis.pytest.from_fixture("live_schema")


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request):
    """Schemathesis 4.32's lazy loader renames the test item per operation through `node._nodeid`, which pytest 9
    replaced with a structured id: give it the attribute (it only changes the name in schemathesis's report)."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_operation_answers_within_its_schema(case, tokens, live_server, http):
    from django.core.cache import cache

    for token in tokens.values():
        cache.clear()  # the rate limit is not what this test is about (the server thread shares the process's cache)
        response = case.call(base_url=live_server.url, session=http,
                             headers={"Authorization": f"Token {token}"}, timeout=60)
        # a new connection per request: on a kept-alive one Django's development server sends headers and body in
        # two writes and each response waits for the client's delayed ACK (measured ~43 ms a request against ~5 ms)
        http.close()
        case.validate_response(response, checks=(not_a_server_error, response_schema_conformance))

