"""Petition reads are scoped: area subtree (where it arises or where it is assigned) or the
assigned department; outside the scope is a 404; detail views are audited."""

from __future__ import annotations

import pytest
from django.http import Http404

from shanzhi.core.models import AuditLog
from shanzhi.petitions import deadlines, selectors, services, statistics

from .core_helpers import accepted, at, register, routed

pytestmark = pytest.mark.django_db


def ids(qs):
    return sorted(p.pk for p in qs)


def test_each_persona_sees_exactly_its_petitions(world):
    in_town = register(world, area=world.village)
    in_town2 = register(world, area=world.village3)
    to_dept = routed(world, to="department")
    to_town = services.petition_route(
        actor=world.petition_officer, petition=in_town2, version=in_town2.version, area=world.town
    )
    everything = ids([in_town, to_town, to_dept])
    assert ids(selectors.petitions_for(world.petition_officer)) == everything
    assert ids(selectors.petitions_for(world.leader)) == everything
    assert ids(selectors.petitions_for(world.city_admin)) == everything
    # The town sees what arises in it and what is assigned to it (from 沙沟镇's village).
    assert ids(selectors.petitions_for(world.town_officer)) == everything
    assert ids(selectors.petitions_for(world.department_handler)) == [to_dept.pk]
    for persona in ("grid_worker_a", "outsider", "citizen", "auditor", "village_officer"):
        assert ids(selectors.petitions_for(getattr(world, persona))) == []


def test_another_towns_officer_does_not_see_the_town(world):
    from shanzhi.accounts.models import Role
    from shanzhi.testing.personas import make_post, make_user

    other = make_user("town2_officer")
    make_post(other, Role.TOWN_OFFICER, world.town2)
    register(world, area=world.village)
    assert list(selectors.petitions_for(other)) == []


def test_detail_is_audited_and_outside_the_scope_is_404(world):
    p = register(world)
    detail = selectors.petition_detail(user=world.petition_officer, pk=p.pk)
    assert [x.name for x in detail.petitioners.all()] == ["张三"]
    assert AuditLog.objects.filter(action="petitions.view", object_id=str(p.pk)).count() == 1
    with pytest.raises(Http404):
        selectors.petition_detail(user=world.department_handler, pk=p.pk)
    with pytest.raises(Http404):
        selectors.petition_get(user=world.grid_worker_a, pk=p.pk)


def test_filters_and_deadline_status(world):
    late = register(world, now=at(2026, 3, 2), channel="visit", law_related=True)
    fresh = register(world, now=at(2026, 3, 16), channel="online")
    now = at(2026, 3, 20)
    user = world.petition_officer
    assert ids(selectors.petitions_for(user, {"deadline": "overdue"}, now=now)) == [late.pk]
    assert ids(selectors.petitions_for(user, {"deadline": "normal"}, now=now)) == [fresh.pk]
    assert ids(selectors.petitions_for(user, {"channel": "visit"})) == [late.pk]
    assert ids(selectors.petitions_for(user, {"law_related": True})) == [late.pk]
    assert ids(selectors.petitions_for(user, {"q": fresh.number})) == [fresh.pk]
    assert ids(selectors.petitions_for(user, {"q": "张三"})) == ids([late, fresh])
    row = selectors.petitions_for(user, now=now).get(pk=late.pk)
    assert row.deadline_status == deadlines.Status.OVERDUE and row.petitioner_count == 1
    counts = selectors.todo_counts(user=user, now=now)
    assert counts["open"] == 2 and counts["overdue"] == 1 and counts["to_route"] == 2


def test_todo_counts_to_accept_for_the_department(world):
    routed(world)
    assert selectors.todo_counts(user=world.department_handler)["to_accept"] == 1
    assert selectors.todo_counts(user=world.town_officer)["to_accept"] == 0


def test_list_query_count_does_not_grow_with_rows(world, django_assert_max_num_queries):
    for _ in range(5):
        register(world)
    user = world.petition_officer
    list(selectors.petitions_for(user))  # warm the user's scope cache
    with django_assert_max_num_queries(2):
        rows = list(selectors.petitions_for(user))
        assert [r.area.name for r in rows] == ["东村"] * 5


def test_statistics_by_channel_type_law_related_and_on_time_rate(world):
    on_time = accepted(world, now=at(2026, 3, 12))
    services.reply_issue(
        actor=world.department_handler,
        petition=on_time,
        version=on_time.version,
        decision="support",
        facts="f",
        basis="b",
        opinion="o",
        now=at(2026, 4, 1),
    )
    late = accepted(world, now=at(2026, 3, 12), channel="phone", law_related=True)
    services.reply_issue(
        actor=world.department_handler,
        petition=late,
        version=late.version,
        decision="reject",
        facts="f",
        basis="b",
        opinion="o",
        now=at(2026, 5, 20),
    )
    stats = statistics.petition_statistics(user=world.petition_officer, now=at(2026, 6, 1))
    assert stats["total"] == 2
    by_channel = {r["key"]: r["count"] for r in stats["by_channel"]}
    assert by_channel["letter"] == 1 and by_channel["phone"] == 1 and by_channel["visit"] == 0
    assert stats["law_related"] == {"yes": 1, "no": 1}
    assert stats["replied"] == 2 and stats["replied_on_time"] == 1
    assert stats["on_time_rate"] == 0.5
    assert [m["count"] for m in stats["by_month"]] == [2]
    assert statistics.petition_statistics(user=world.grid_worker_a)["total"] == 0
