"""The merge page (合并重复事件): nearby duplicates suggested, merge by ticket number, bad
numbers and stale versions refused with nothing written."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shanzhi.events.models import Event
from shanzhi.events.workflow import State

from .helpers import build, fresh, report

pytestmark = pytest.mark.django_db


def test_dispatcher_sees_the_nearby_duplicate_and_merges_into_it(client, cast):
    original = build(cast, "accepted")
    duplicate = report(cast, description="同一处占道经营")
    client.force_login(cast.dispatcher)

    detail = client.get(reverse("events:detail", args=[duplicate.pk])).content.decode()
    assert reverse("events:merge", args=[duplicate.pk]) in detail

    page = client.get(reverse("events:merge", args=[duplicate.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-candidate="{original.number}"' in html
    assert f'data-candidate="{duplicate.number}"' not in html

    response = client.post(
        reverse("events:merge", args=[duplicate.pk]),
        {"version": duplicate.version, "into": original.number.lower(), "comment": "同一诉求"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("events:detail", args=[original.pk])
    merged = fresh(duplicate)
    assert (merged.state, merged.merged_into_id) == (State.MERGED, original.pk)
    assert merged.timeline.filter(transition="merge").exists()


def test_unknown_number_and_a_finished_target_are_refused_with_nothing_written(client, cast):
    duplicate = report(cast)
    finished = build(cast, "rejected")
    client.force_login(cast.dispatcher)
    url = reverse("events:merge", args=[duplicate.pk])

    unknown = client.post(url, {"version": duplicate.version, "into": "SJ000"})
    assert unknown.status_code == 400
    assert "找不到该编号的事件" in unknown.content.decode()

    itself = client.post(url, {"version": duplicate.version, "into": duplicate.number})
    assert itself.status_code == 400

    done = client.post(url, {"version": duplicate.version, "into": finished.number})
    assert done.status_code == 400
    assert "办理中" in done.content.decode()
    assert fresh(duplicate).state == State.REPORTED
    assert fresh(duplicate).version == duplicate.version


def test_stale_version_gets_the_conflict_page(client, cast):
    original = build(cast, "accepted")
    duplicate = report(cast)
    Event.objects.filter(pk=duplicate.pk).update(version=duplicate.version + 1)
    client.force_login(cast.dispatcher)
    response = client.post(
        reverse("events:merge", args=[duplicate.pk]),
        {"version": duplicate.version, "into": original.number},
    )
    assert response.status_code == 409
    assert fresh(duplicate).state == State.REPORTED


@pytest.mark.parametrize("persona", ["grid_worker_a", "department_handler", "leader"])
def test_merge_page_needs_the_dispatch_capability(client, cast, persona):
    duplicate = report(cast)
    client.force_login(cast.persona(persona))
    response = client.get(reverse("events:merge", args=[duplicate.pk]))
    assert response.status_code in (403, 404)
    assert fresh(duplicate).state == State.REPORTED


def test_an_event_that_cannot_be_merged_has_no_merge_page(client, cast):
    closed = build(cast, "closed")
    client.force_login(cast.dispatcher)
    assert client.get(reverse("events:merge", args=[closed.pk])).status_code == 404
