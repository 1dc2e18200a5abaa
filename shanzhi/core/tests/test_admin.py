"""The Django admin: scoped for staff who are not superusers, audited, through services."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from shanzhi.accounts.models import ApiToken, Department, Post, Role, User
from shanzhi.accounts.scope import forget_scope
from shanzhi.areas.models import Area, Level
from shanzhi.core.models import AuditLog
from shanzhi.testing.personas import box

pytestmark = pytest.mark.django_db

SELF_INTERSECTING = {
    "type": "Polygon",
    "coordinates": [
        [[117.1, 34.6], [117.12, 34.62], [117.12, 34.6], [117.1, 34.62], [117.1, 34.6]]
    ],
}


def make_staff(user: User, *codenames: str) -> User:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    forget_scope(user)
    return User.objects.get(pk=user.pk)  # fresh: no cached permissions


def changelist_codes(response) -> set[str]:
    return {area.code for area in response.context["cl"].result_list}


def area_change_data(area: Area, **changes) -> dict:
    data = {
        "name": area.name,
        "boundary": area.boundary,
        "supervision_phone": area.supervision_phone,
        "description": area.description,
        "expected_version": area.version,
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


@pytest.fixture
def officer(world):
    """The town officer of 常庄街道, made staff with area permissions."""
    return make_staff(world.town_officer, "view_area", "change_area", "add_area")


# --- scope ---------------------------------------------------------------------------------------


def test_superuser_sees_every_area(client, world):
    client.force_login(world.superuser)

    response = client.get(reverse("admin:areas_area_changelist"))

    assert changelist_codes(response) == set(Area.objects.values_list("code", flat=True))


def test_staff_town_officer_sees_only_their_subtree(client, world, officer):
    client.force_login(officer)

    response = client.get(reverse("admin:areas_area_changelist"))

    assert response.status_code == 200
    expected = set(
        Area.objects.filter(path__startswith=world.town.path).values_list("code", flat=True)
    )
    assert changelist_codes(response) == expected
    assert world.grid_e.code not in changelist_codes(response)
    assert world.town2.code not in changelist_codes(response)


def test_area_in_another_district_is_not_found_for_the_town_officer(client, world, officer):
    client.force_login(officer)
    url = reverse("admin:areas_area_change", args=[world.grid_e.pk])

    shown = client.get(url)
    posted = client.post(url, area_change_data(world.grid_e, name="改名"))

    for response in (shown, posted):
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:index")
    world.grid_e.refresh_from_db()
    assert world.grid_e.name == "北村第一网格"
    assert not AuditLog.objects.filter(action__startswith="admin.").exists()


def test_town_officer_may_choose_only_parents_in_scope(client, world, officer):
    client.force_login(officer)

    response = client.get(reverse("admin:areas_area_add"))

    parent_choices = set(response.context["adminform"].form.fields["parent"].queryset)
    assert world.village in parent_choices
    assert world.shizhong not in parent_choices
    assert world.city not in parent_choices


def test_staff_without_posts_sees_no_areas(client, world):
    outsider = make_staff(world.outsider, "view_area")
    client.force_login(outsider)

    response = client.get(reverse("admin:areas_area_changelist"))

    assert changelist_codes(response) == set()


def test_post_area_choices_are_limited_to_scope(client, world):
    officer = make_staff(world.town_officer, "view_post", "add_post", "view_user")
    client.force_login(officer)

    response = client.get(reverse("admin:accounts_post_add"))

    areas = set(response.context["adminform"].form.fields["area"].queryset)
    assert world.grid_a in areas and world.grid_e not in areas


def test_scoped_staff_cannot_grant_a_city_wide_role(client, world):
    officer = make_staff(world.town_officer, "view_post", "add_post", "change_post")
    client.force_login(officer)

    response = client.post(
        reverse("admin:accounts_post_add"),
        {"user": world.grid_worker_a.pk, "role": Role.AUDITOR, "area": world.town.pk},
    )

    assert response.status_code == 200
    assert "该角色只能由市级管理员分配" in response.content.decode()
    assert not Post.objects.filter(user=world.grid_worker_a, role=Role.AUDITOR).exists()


def test_scoped_staff_see_users_of_their_scope_but_never_a_superuser(client, world):
    officer = make_staff(world.town_officer, "view_user")
    client.force_login(officer)

    response = client.get(reverse("admin:accounts_user_changelist"))

    usernames = {u.username for u in response.context["cl"].result_list}
    assert {"grid_worker_a", "village_officer", "town_officer"} <= usernames
    assert "root" not in usernames and "outsider" not in usernames
    superuser_page = client.get(reverse("admin:accounts_user_change", args=[world.superuser.pk]))
    assert superuser_page.status_code == 302


def test_scoped_staff_cannot_make_anyone_superuser(client, world):
    officer = make_staff(world.town_officer, "view_user", "change_user")
    client.force_login(officer)

    response = client.get(reverse("admin:accounts_user_change", args=[world.grid_worker_a.pk]))

    form_fields = response.context["adminform"].form.fields
    assert "is_superuser" not in form_fields
    assert "user_permissions" not in form_fields


# --- audit ---------------------------------------------------------------------------------------


def test_admin_change_goes_through_the_service_and_writes_audit_rows(client, world):
    client.force_login(world.superuser)

    response = client.post(
        reverse("admin:areas_area_change", args=[world.grid_a.pk]),
        area_change_data(world.grid_a, name="东村一网格"),
    )

    assert response.status_code == 302
    world.grid_a.refresh_from_db()
    assert world.grid_a.name == "东村一网格"
    assert world.grid_a.version == 2  # the service's optimistic version moved on
    admin_row = AuditLog.objects.get(action="admin.change")
    assert admin_row.actor == world.superuser
    assert (admin_row.object_type, admin_row.object_id) == ("areas.area", str(world.grid_a.pk))
    assert "changed" in json.dumps(admin_row.detail)
    assert AuditLog.objects.filter(action="areas.update", object_id=str(world.grid_a.pk)).exists()


def test_admin_edit_with_a_stale_version_is_refused(client, world):
    client.force_login(world.superuser)
    data = area_change_data(world.grid_a, name="甲")
    client.post(reverse("admin:areas_area_change", args=[world.grid_a.pk]), data)

    stale = client.post(
        reverse("admin:areas_area_change", args=[world.grid_a.pk]), data | {"name": "乙"}
    )

    assert stale.status_code == 200
    assert "已被他人修改" in stale.content.decode()
    world.grid_a.refresh_from_db()
    assert world.grid_a.name == "甲"


def test_admin_deletion_writes_an_audit_row(client, world):
    spare = Department.objects.create(name="临时部门", code="TMP", area=world.xuecheng)
    client.force_login(world.superuser)

    response = client.post(
        reverse("admin:accounts_department_delete", args=[spare.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Department.objects.filter(pk=spare.pk).exists()
    row = AuditLog.objects.get(action="admin.delete")
    assert row.actor == world.superuser
    assert (row.object_type, row.object_id) == ("accounts.department", str(spare.pk))
    assert row.object_repr == "临时部门"


# --- area creation through the service -----------------------------------------------------------


def area_add_data(**values) -> dict:
    return {"supervision_phone": "", "description": "", "kind": "", **values}


def test_admin_area_creation_rejects_a_self_intersecting_boundary_in_chinese(client, world):
    client.force_login(world.superuser)

    response = client.post(
        reverse("admin:areas_area_add"),
        area_add_data(
            parent=world.town.pk,
            level=Level.VILLAGE,
            name="新村",
            code="370403001009",
            boundary=json.dumps(SELF_INTERSECTING),
        ),
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "自相交" in " ".join(errors["boundary"])
    assert not Area.objects.filter(code="370403001009").exists()
    assert not AuditLog.objects.filter(action__in=["areas.create", "admin.add"]).exists()


def test_admin_area_creation_applies_the_services_code_rules(client, world):
    client.force_login(world.superuser)

    response = client.post(
        reverse("admin:areas_area_add"),
        area_add_data(parent=world.town.pk, level=Level.VILLAGE, name="新村", code="370402001009"),
    )

    assert response.status_code == 200
    assert "须以 370403001 开头" in " ".join(response.context["adminform"].form.errors["code"])


def test_admin_area_creation_saves_through_the_service(client, world, officer):
    client.force_login(officer)

    response = client.post(
        reverse("admin:areas_area_add"),
        area_add_data(
            parent=world.town.pk,
            level=Level.VILLAGE,
            name="新村",
            code="370403001009",
            boundary=json.dumps(box(117.25, 34.7, 117.3, 34.75)),
        ),
    )

    assert response.status_code == 302
    area = Area.objects.get(code="370403001009")
    assert area.path == f"{world.town.path}{area.pk}/"
    assert area.area_km2 and area.area_km2 > 0
    assert AuditLog.objects.filter(action="areas.create", object_id=str(area.pk)).count() == 1
    assert AuditLog.objects.filter(action="admin.add", actor=officer).count() == 1


def test_town_officer_cannot_create_an_area_outside_their_scope(client, world, officer):
    client.force_login(officer)

    response = client.post(
        reverse("admin:areas_area_add"),
        area_add_data(
            parent=world.village3.pk,
            level=Level.GRID,
            kind="basic",
            name="外网格",
            code="370403002001009",
        ),
    )

    assert response.status_code == 200
    assert not Area.objects.filter(code="370403002001009").exists()


def test_area_changelist_links_to_the_boundary_import(client, world):
    client.force_login(world.superuser)

    response = client.get(reverse("admin:areas_area_changelist"))

    assert f'href="{reverse("areas:import_boundaries")}"' in response.content.decode()


# --- read-only models ----------------------------------------------------------------------------


def test_audit_log_admin_is_read_only_even_for_a_superuser(client, world):
    AuditLog.objects.create(action="auth.login")
    row = AuditLog.objects.get(action="auth.login")
    client.force_login(world.superuser)

    assert client.get(reverse("admin:core_auditlog_add")).status_code == 403
    assert (
        client.post(
            reverse("admin:core_auditlog_delete", args=[row.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    page = client.get(reverse("admin:core_auditlog_change", args=[row.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    changelist = client.post(
        reverse("admin:core_auditlog_changelist"),
        {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
    )
    assert changelist.status_code in (200, 302)
    assert AuditLog.objects.filter(pk=row.pk).exists()


def test_api_tokens_are_read_only_and_can_be_revoked(client, world):
    token = ApiToken.objects.create(user=world.grid_worker_a, name="采集", prefix="abc", digest="x")
    client.force_login(world.superuser)

    assert client.get(reverse("admin:accounts_apitoken_add")).status_code == 403
    detail = client.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))
    assert 'name="_save"' not in detail.content.decode()
    response = client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditLog.objects.filter(action="accounts.token_revoke", object_id=str(token.pk)).exists()


# --- grid team inline ----------------------------------------------------------------------------


def member_form(role: str, name: str, **extra) -> dict:
    return {
        "memberships-TOTAL_FORMS": "1",
        "memberships-0-role": role,
        "memberships-0-auxiliary_role": extra.get("auxiliary_role", ""),
        "memberships-0-name": name,
        "memberships-0-phone": "13800000009",
        "memberships-0-user": "",
        "memberships-0-start_date": "2026-02-01",
        "memberships-0-end_date": "",
        "memberships-0-grid": "",
    }


def test_grid_team_member_added_in_admin_goes_through_the_service(client, world):
    client.force_login(world.superuser)

    response = client.post(
        reverse("admin:areas_area_change", args=[world.grid_c.pk]),
        area_change_data(world.grid_c) | member_form("worker", "网格员丙"),
    )

    assert response.status_code == 302
    member = world.grid_c.memberships.get()
    assert (member.name, member.role) == ("网格员丙", "worker")
    assert AuditLog.objects.filter(action="areas.team_assign", object_id=str(member.pk)).exists()


def test_full_time_worker_on_a_dedicated_grid_is_refused_in_chinese(client, world):
    client.force_login(world.superuser)

    response = client.post(
        reverse("admin:areas_area_change", args=[world.school_grid.pk]),
        area_change_data(world.school_grid) | member_form("worker", "某人"),
    )

    assert response.status_code == 200
    assert "专职网格员只配备到基础网格" in response.content.decode()
    assert not world.school_grid.memberships.exists()


# --- pages render --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "areas_area_changelist",
        "areas_area_add",
        "accounts_user_changelist",
        "accounts_user_add",
        "accounts_department_changelist",
        "accounts_department_add",
        "accounts_post_changelist",
        "accounts_post_add",
        "accounts_apitoken_changelist",
        "core_auditlog_changelist",
    ],
)
def test_admin_pages_render_for_a_superuser(client, world, name):
    client.force_login(world.superuser)

    assert client.get(reverse(f"admin:{name}")).status_code == 200


def test_admin_change_pages_render_for_a_superuser(client, world):
    client.force_login(world.superuser)
    urls = [
        reverse("admin:areas_area_change", args=[world.grid_a.pk]),  # with the team inline
        reverse("admin:areas_area_change", args=[world.town.pk]),
        reverse("admin:accounts_user_change", args=[world.grid_worker_a.pk]),
        reverse("admin:auth_user_password_change", args=[world.grid_worker_a.pk]),
        reverse("admin:accounts_department_change", args=[world.department.pk]),
        reverse("admin:accounts_post_change", args=[world.grid_worker_a.posts.get().pk]),
    ]

    assert [client.get(url).status_code for url in urls] == [200] * len(urls)


def user_add_data(**extra) -> dict:
    return {
        "username": "new_worker",
        "real_name": "新网格员",
        "phone": "13800000010",
        "usable_password": "true",
        "password1": "Meadow-Lark-River-7",
        "password2": "Meadow-Lark-River-7",
        "posts-TOTAL_FORMS": "0",
        "posts-INITIAL_FORMS": "0",
        "posts-MIN_NUM_FORMS": "0",
        "posts-MAX_NUM_FORMS": "1000",
        **extra,
    }


def test_scoped_staff_add_a_user_together_with_a_post_in_their_scope(client, world):
    officer = make_staff(world.town_officer, "view_user", "add_user", "change_user", "add_post")
    client.force_login(officer)

    response = client.post(
        reverse("admin:accounts_user_add"),
        user_add_data(
            **{
                "posts-TOTAL_FORMS": "1",
                "posts-0-role": Role.GRID_WORKER,
                "posts-0-area": world.grid_c.pk,
                "posts-0-is_active": "on",
            }
        ),
    )

    assert response.status_code == 302
    user = User.objects.get(username="new_worker")
    assert list(user.posts.values_list("role", "area")) == [(Role.GRID_WORKER, world.grid_c.pk)]
    assert user.password_changed_at is None  # set by an administrator: changed at first use
    assert AuditLog.objects.filter(action="admin.add", object_id=str(user.pk)).exists()


def test_scoped_staff_cannot_add_a_user_without_a_post_in_their_scope(client, world):
    officer = make_staff(world.town_officer, "view_user", "add_user", "change_user", "add_post")
    client.force_login(officer)

    response = client.post(reverse("admin:accounts_user_add"), user_add_data())

    assert response.status_code == 200
    assert not User.objects.filter(username="new_worker").exists()


def test_password_set_by_an_administrator_must_be_changed_by_its_owner(client, world):
    world.grid_worker_a.password_changed_at = world.grid_worker_a.date_joined
    world.grid_worker_a.save(update_fields=["password_changed_at"])
    client.force_login(world.superuser)

    response = client.post(
        reverse("admin:auth_user_password_change", args=[world.grid_worker_a.pk]),
        {
            "usable_password": "true",
            "password1": "Reset-By-Admin-26",
            "password2": "Reset-By-Admin-26",
        },
    )

    assert response.status_code == 302
    world.grid_worker_a.refresh_from_db()
    assert world.grid_worker_a.check_password("Reset-By-Admin-26")
    assert world.grid_worker_a.password_changed_at is None
    assert AuditLog.objects.filter(
        action="admin.change", object_id=str(world.grid_worker_a.pk)
    ).exists()
