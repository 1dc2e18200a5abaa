from __future__ import annotations

from shanzhi.accounts.models import Post, Role
from shanzhi.accounts.scope import forget_scope, scope_for
from shanzhi.areas import selectors
from shanzhi.areas.models import Area


def codes(user) -> set[str]:
    return set(selectors.area_list(user=user).values_list("code", flat=True))


def test_city_admin_sees_every_area(world):
    assert codes(world.city_admin) == set(Area.objects.values_list("code", flat=True))


def test_grid_worker_sees_only_own_grid(world):
    assert codes(world.grid_worker_a) == {world.grid_a.code}


def test_town_officer_sees_town_villages_and_grids(world):
    expected = {
        "370403001",
        "370403001001",
        "370403001002",
        "370403001001001",
        "370403001001002",
        "370403001002001",
        "370403001001Z01",
    }
    assert codes(world.town_officer) == expected


def test_two_posts_see_both_subtrees(world):
    Post.objects.create(user=world.grid_worker_a, role=Role.GRID_WORKER, area=world.grid_e)
    forget_scope(world.grid_worker_a)
    assert codes(world.grid_worker_a) == {world.grid_a.code, world.grid_e.code}


def test_outsider_auditor_citizen_and_department_see_no_areas(world):
    for user in (world.outsider, world.auditor, world.citizen, world.department_handler):
        assert codes(user) == set(), user.username


def test_department_handler_scope_is_their_department(world):
    scope = scope_for(world.department_handler)
    assert scope.department_ids == frozenset({world.department.pk})
    assert not scope.area_paths
