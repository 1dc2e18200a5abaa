# TEMPORARY profiling file (to be deleted)
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shanzhi.testing.api import token_client

from .test_api_events import EVENTS, report_body


def test_prof(cast):
    client = token_client(cast.dispatcher)
    client.post(EVENTS, report_body(), format="json")
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(EVENTS, report_body(), format="json")
    assert response.status_code == 201
    print("\nQUERIES", len(ctx.captured_queries))
    for q in ctx.captured_queries:
        print(q["time"], q["sql"][:300])
