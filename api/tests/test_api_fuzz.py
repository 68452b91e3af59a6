"""schemathesis against the OpenAPI schema: no server error and no answer that breaks the schema, on real data.

The schema is loaded at collection (drf-spectacular builds it from the code, without the database);
each generated request then runs through the WSGI app against PostgreSQL rows made by ``api_rows``.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from tests import api_data

# The public read API; the token-authenticated issuer and custodian APIs are not fuzzed here yet.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application()).exclude(
    path_regex="^/api/v1/(issuer|custodian)/"
)


@pytest.fixture
def api_rows(db):
    api_data.coin("USDX", reserves="4800000")
    api_data.coin("HKDA")
    # Like Django's test Client: the test's transaction holds the rows, so the request signals
    # must not close the connection under it.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_schema(case, api_rows):
    case.call_and_validate()
