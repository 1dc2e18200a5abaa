"""Log-in, log-out, lockout, session timeouts and password rotation (issue #2)."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from shanzhi.core.models import AuditLog, Outcome
from shanzhi.testing.clock import frozen_clock
from shanzhi.testing.personas import PASSWORD

LOGIN = "/accounts/login/"
HOME = "/"


def login(client, username: str, password: str = PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def actions(*names: str) -> list[str]:
    return list(
        AuditLog.objects.filter(action__in=names).order_by("id").values_list("action", flat=True)
    )


def is_logged_in(client) -> bool:
    return client.get(HOME).status_code == 200


# --- log-in and log-out -----------------------------------------------------------------------


def test_login_succeeds_and_is_audited(client, world):
    response = login(client, "grid_worker_a")

    assert response.status_code == 302
    assert response["Location"] == reverse(settings.LOGIN_REDIRECT_URL)
    row = AuditLog.objects.get(action="auth.login")
    assert row.actor == world.grid_worker_a
    assert row.actor_username == "grid_worker_a"
    assert row.outcome == Outcome.SUCCESS
    assert row.ip == "127.0.0.1"
    assert "网格员" in row.post


def test_login_gives_a_new_session_key(client, world):
    before = client.session.session_key  # a session exists before logging in
    assert before

    login(client, "grid_worker_a")

    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after and after != before
    assert not Session.objects.filter(session_key=before).exists()


def test_login_sets_the_session_login_time(client, world):
    from shanzhi.core.middleware import SESSION_LOGIN_AT

    with frozen_clock() as clock:
        login(client, "grid_worker_a")
        assert client.session[SESSION_LOGIN_AT] == clock.now().timestamp()


def test_failed_login_is_audited_with_the_attempted_username(client, world):
    response = login(client, "grid_worker_a", "wrong-password")

    assert response.status_code == 200
    assert not is_logged_in(client)
    row = AuditLog.objects.get(action="auth.login_failed")
    assert row.actor is None
    assert row.actor_username == "grid_worker_a"
    assert row.outcome == Outcome.FAILURE
    assert not actions("auth.login")


def test_failed_login_for_unknown_username_is_audited(client, world):
    login(client, "nobody-here", "whatever")

    assert AuditLog.objects.get(action="auth.login_failed").actor_username == "nobody-here"


def test_logout_is_audited_and_ends_the_session(client, world):
    login(client, "town_officer")

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert not is_logged_in(client)
    row = AuditLog.objects.get(action="auth.logout")
    assert row.actor == world.town_officer


def test_logout_by_get_is_refused_and_keeps_the_session(client, world):
    login(client, "town_officer")

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert is_logged_in(client)
    assert not actions("auth.logout")


def test_admin_login_hands_over_to_the_application_login(client, world):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert "next=/admin/" in response["Location"]


def test_admin_login_for_a_logged_in_non_staff_user_is_forbidden_not_a_loop(client, world):
    client.force_login(world.grid_worker_a)

    assert client.get("/admin/login/?next=/admin/").status_code == 403


# --- lockout ------------------------------------------------------------------------------------


def fail(client, username: str, times: int):
    return [login(client, username, "wrong-password") for _ in range(times)]


def test_five_failures_lock_the_account_even_for_the_right_password(client, world):
    with frozen_clock() as clock:
        responses = fail(client, "grid_worker_a", 5)
        assert [r.status_code for r in responses[:4]] == [200] * 4
        assert responses[4].status_code == settings.AXES_HTTP_RESPONSE_CODE
        assert "锁定" in responses[4].content.decode()

        clock.advance(minutes=1)
        response = login(client, "grid_worker_a")  # the right password

    assert response.status_code == settings.AXES_HTTP_RESPONSE_CODE
    assert not is_logged_in(client)
    assert actions("auth.login_failed", "auth.lockout", "auth.login_locked", "auth.login") == [
        *["auth.login_failed"] * 5,
        "auth.lockout",
        "auth.login_locked",
    ]
    lockout = AuditLog.objects.get(action="auth.lockout")
    assert lockout.actor_username == "grid_worker_a"
    assert lockout.outcome == Outcome.DENIED
    assert "锁定" in lockout.reason


def test_lockout_is_per_account_not_per_address(client, world):
    with frozen_clock():
        fail(client, "grid_worker_a", 5)
        # Same office, same NAT address, another account: unaffected.
        response = login(client, "grid_worker_b")

    assert response.status_code == 302


def test_lock_holds_for_the_whole_cool_off_and_lifts_after_it(client, world):
    with frozen_clock() as clock:
        fail(client, "grid_worker_a", 5)
        clock.advance(minutes=29)
        assert login(client, "grid_worker_a").status_code == settings.AXES_HTTP_RESPONSE_CODE

        clock.advance(minutes=2)  # 31 minutes after the lock; attempts while locked do not extend
        response = login(client, "grid_worker_a")

    assert response.status_code == 302
    assert AuditLog.objects.filter(action="auth.login", actor=world.grid_worker_a).exists()


def test_failures_more_than_the_window_apart_do_not_lock(client, world):
    with frozen_clock() as clock:
        fail(client, "grid_worker_a", 4)
        clock.advance(minutes=16)  # the counter starts again after 15 quiet minutes
        fail(client, "grid_worker_a", 4)
        response = login(client, "grid_worker_a")

    assert response.status_code == 302
    assert not actions("auth.lockout")


def test_a_successful_login_resets_the_failure_count(client, world):
    with frozen_clock():
        fail(client, "grid_worker_a", 4)
        assert login(client, "grid_worker_a").status_code == 302
        client.post(reverse("accounts:logout"))
        responses = fail(client, "grid_worker_a", 4)

    assert all(r.status_code == 200 for r in responses)
    assert not actions("auth.lockout")


# --- session timeouts ---------------------------------------------------------------------------


def test_idle_session_ends_after_31_minutes_with_a_message(client, world):
    with frozen_clock() as clock:
        login(client, "village_officer")
        clock.advance(minutes=29)
        assert client.get(HOME).status_code == 200  # activity within the limit

        clock.advance(minutes=31)
        response = client.get(HOME)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)

        page = client.get(response["Location"])

    assert "登录已超时，请重新登录" in page.content.decode()
    row = AuditLog.objects.get(action="auth.session_expired")
    assert row.actor == world.village_officer
    assert row.detail == {"idle": True}


def test_session_ends_after_12_hours_even_with_activity(client, world):
    with frozen_clock() as clock:
        login(client, "village_officer")
        for _ in range(35):  # a request every 20 minutes: 11 h 40 min
            clock.advance(minutes=20)
            assert client.get(HOME).status_code == 200
        clock.advance(minutes=21)  # 12 h 1 min after log-in
        response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    row = AuditLog.objects.get(action="auth.session_expired")
    assert row.detail == {"idle": False}


# --- password rotation --------------------------------------------------------------------------


@pytest.fixture
def rotation(settings):
    settings.SHANZHI_PASSWORD_MAX_AGE_DAYS = 90
    return settings


def test_expired_password_redirects_every_page_to_the_change_page(client, world, rotation):
    world.grid_worker_a.password_changed_at = timezone.now() - datetime.timedelta(days=91)
    world.grid_worker_a.save(update_fields=["password_changed_at"])
    client.force_login(world.grid_worker_a)

    response = client.get("/audit/")

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change") + "?next=%2Faudit%2F"
    assert client.get(reverse("accounts:password_change")).status_code == 200


def test_password_of_unknown_age_must_be_changed_when_rotation_is_on(client, world, rotation):
    assert world.grid_worker_a.password_changed_at is None
    client.force_login(world.grid_worker_a)

    assert client.get(HOME).status_code == 302


def test_changing_an_expired_password_lifts_the_redirect(client, world, rotation):
    client.force_login(world.grid_worker_a)

    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Grid-Patrol-2026!",
            "new_password2": "Grid-Patrol-2026!",
            "next": "/",
        },
    )

    assert response.status_code == 302
    assert client.get(HOME).status_code == 200  # still logged in, no longer redirected
    world.grid_worker_a.refresh_from_db()
    assert world.grid_worker_a.check_password("Grid-Patrol-2026!")
    assert world.grid_worker_a.password_changed_at is not None
    assert AuditLog.objects.filter(
        action="accounts.password_change", actor=world.grid_worker_a
    ).exists()


def test_recent_password_is_not_redirected(client, world, rotation):
    world.grid_worker_a.password_changed_at = timezone.now() - datetime.timedelta(days=89)
    world.grid_worker_a.save(update_fields=["password_changed_at"])
    client.force_login(world.grid_worker_a)

    assert client.get(HOME).status_code == 200


def test_no_redirect_when_rotation_is_off(client, world, settings):
    settings.SHANZHI_PASSWORD_MAX_AGE_DAYS = 0
    client.force_login(world.grid_worker_a)

    assert client.get(HOME).status_code == 200


def test_expired_password_refuses_the_api_with_a_json_error(client, world, rotation):
    client.force_login(world.grid_worker_a)

    response = client.get("/api/v1/me/")

    assert response.status_code == 403
    assert response.json()["code"] == "password_expired"


def test_expired_password_redirects_htmx_requests_with_hx_redirect(client, world, rotation):
    client.force_login(world.grid_worker_a)

    response = client.get(HOME, headers={"HX-Request": "true"})

    assert response["HX-Redirect"] == reverse("accounts:password_change")


def test_expired_password_may_still_log_out(client, world, rotation):
    client.force_login(world.grid_worker_a)

    assert client.post(reverse("accounts:logout")).status_code == 302
    assert AuditLog.objects.filter(action="auth.logout").exists()


# --- password change page -----------------------------------------------------------------------


def test_password_change_with_wrong_current_password_changes_nothing(client, world):
    client.force_login(world.town_officer)

    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "not-my-password",
            "new_password1": "Town-Office-2026!",
            "new_password2": "Town-Office-2026!",
        },
    )

    assert response.status_code == 200
    assert "当前密码不正确" in response.content.decode()
    world.town_officer.refresh_from_db()
    assert world.town_officer.check_password(PASSWORD)
    assert not AuditLog.objects.filter(action="accounts.password_change").exists()


def test_password_change_refuses_a_weak_new_password_with_the_policy_message(client, world):
    client.force_login(world.town_officer)

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "short1!A", "new_password2": "short1!A"},
    )

    assert response.status_code == 200
    world.town_officer.refresh_from_db()
    assert world.town_officer.check_password(PASSWORD)
    assert world.town_officer.password_changed_at is None


def test_password_change_page_requires_login(client, world):
    response = client.get(reverse("accounts:password_change"))

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
