"""Issue #4 in a real browser, the whole closed loop: a citizen reports on the portal (phone) →
the dispatcher accepts, escalates and dispatches → the department handler signs and feeds back
with a photo → the grid worker verifies → closed → the citizen rates it on the portal → the
indicators page counts it as closed."""

from __future__ import annotations

import pytest
from PIL import Image
from playwright.sync_api import expect

from shanzhi.events import services
from shanzhi.events.models import Event, EventType
from shanzhi.testing.personas import PASSWORD

pytestmark = pytest.mark.browser

STREET_TYPE = "0501"  # 占道经营, responsible: 薛城区城管局
POINT_A = ("117.120000", "34.620000")  # grid A


def log_in(session, username: str) -> None:
    page = session.page
    page.context.clear_cookies()
    page.goto(session.url("/accounts/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#sz-login-form button[type=submit]")
    page.wait_for_url(session.url("/"))


def act(page, transition: str) -> None:
    """Open a transition's card on the detail page and submit it."""
    page.click(f'[data-transition-form="{transition}"] summary')
    page.click(f'[data-transition-form="{transition}"] [data-action="{transition}"]')


def test_citizen_report_to_rating_closes_the_loop(phone, browser, browser_world, tmp_path):
    world = browser_world
    services.catalogue_seed()
    EventType.objects.get(code=STREET_TYPE).responsible_departments.add(world.department)
    photo = tmp_path / "after.png"
    Image.new("RGB", (40, 30), (30, 160, 60)).save(photo, format="PNG")

    # 1. A citizen reports on the public portal from a phone, without an account.
    citizen = phone.page
    citizen.goto(phone.url("/portal/"))
    citizen.select_option("#id_type", STREET_TYPE)
    citizen.fill("#id_description", "路口有人摆摊，挡住了盲道。")
    citizen.set_input_files("#id_photos", str(photo))
    citizen.fill("#id_lon", POINT_A[0])
    citizen.fill("#id_lat", POINT_A[1])
    citizen.click('[data-action="report"]')
    number = citizen.locator("#sz-ticket-number").inner_text().strip()
    code = citizen.locator("#sz-query-code").inner_text().strip()
    assert number.startswith("SZ") and len(code) == 8
    event = Event.objects.get(number=number)
    assert event.state == "reported" and event.grid_id == world.grid_a.pk

    # 2. The dispatcher finds it in the to-do list, accepts, escalates and dispatches.
    desk = browser.page
    log_in(browser, "dispatcher")
    desk.goto(browser.url("/events/"))
    desk.click(f'#sz-event-table tr[data-event="{number}"] a')
    expect(desk.locator("#sz-event-state")).to_have_text("已上报")
    act(desk, "accept")
    expect(desk.locator("#sz-event-state")).to_have_text("已立案")
    act(desk, "escalate")
    expect(desk.locator('[data-transition="escalate"]')).to_have_count(1)
    desk.click('[data-action="dispatch"]')
    expect(desk.locator("#id_lead_department")).to_have_value(str(world.department.pk))
    desk.click('#sz-dispatch-form [data-action="dispatch"]')
    expect(desk.locator("#sz-event-state")).to_have_text("已派遣")

    # 3. The department handler signs and feeds back with a photo.
    log_in(browser, "department_handler")
    desk.goto(browser.url(f"/events/{event.pk}/"))
    act(desk, "sign")
    expect(desk.locator("#sz-event-state")).to_have_text("处置中")
    desk.click('[data-transition-form="feedback"] summary')
    desk.fill("#id_feedback-comment", "已劝离摊贩，恢复通行。")
    desk.set_input_files("#id_feedback-photos", str(photo))
    desk.click('[data-transition-form="feedback"] [data-action="feedback"]')
    expect(desk.locator("#sz-event-state")).to_have_text("已反馈待核查")
    after = desk.locator('#sz-event-photos img[data-kind="after"]')
    expect(after).to_have_count(1)
    assert after.evaluate("img => img.decode().then(() => img.naturalWidth)") == 40

    # 4. The grid worker of the grid verifies: closed.
    log_in(browser, "grid_worker_a")
    desk.goto(browser.url(f"/events/{event.pk}/"))
    act(desk, "verify_pass")
    expect(desk.locator("#sz-event-state")).to_have_text("已结案")

    # 5. The citizen tracks the ticket with its query code and rates it.
    citizen.goto(phone.url("/portal/track/"))
    citizen.fill("#id_number", number)
    citizen.fill("#id_code", code)
    citizen.click('[data-action="track"]')
    expect(citizen.locator("#sz-track-state")).to_have_text("已结案")
    assert "城管" not in citizen.content()  # no staff or department names on the portal
    citizen.check('#sz-rate-form input[value="satisfied"]')
    citizen.click('[data-action="evaluate"]')
    expect(citizen.locator("[data-done]")).to_be_visible()
    expect(citizen.locator("#sz-track-state")).to_have_text("已评价")

    event.refresh_from_db()
    assert event.state == "evaluated" and event.satisfaction == "satisfied"

    # 6. The indicators page counts the closed event (结案数) for the dispatcher's district.
    log_in(browser, "dispatcher")
    desk.goto(browser.url("/events/indicators/"))
    closed = desk.evaluate(
        """() => {
          const heads = [...document.querySelectorAll('#sz-indicator-table thead th')];
          const column = heads.findIndex((th) => th.textContent.trim() === '结案数');
          const total = document.querySelectorAll('#sz-indicator-table [data-row="total"] > *');
          return column < 0 ? null : total[column].textContent.trim();
        }"""
    )
    assert closed == "1"
    assert event.attachments.count() == 2
    phone.assert_clean()
    browser.assert_clean()


def test_grid_worker_reports_on_a_phone_with_my_location_and_solves_on_the_spot(
    phone, browser_world, tmp_path
):
    services.catalogue_seed()
    photo = tmp_path / "before.png"
    Image.new("RGB", (40, 30), (160, 60, 30)).save(photo, format="PNG")
    page = phone.page
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": 117.12, "latitude": 34.62})
    log_in(phone, "grid_worker_a")
    page.goto(phone.url("/events/inspection/"))
    assert page.locator("#id_photos").get_attribute("capture") == "environment"
    page.set_input_files("#id_photos", str(photo))
    page.click('[data-action="use-location"]')
    expect(page.locator("#id_lon")).to_have_value("117.120000")
    expect(page.locator("#id_lat")).to_have_value("34.620000")
    page.select_option("#id_type", STREET_TYPE)
    page.fill("#id_description", "东村路口有人占道经营。")
    page.check("#id_solved_on_spot")
    page.fill("#id_feedback", "已劝离。")
    page.click('[data-action="report"]')
    expect(page.locator("#sz-event-state")).to_have_text("已反馈待核查")
    event = Event.objects.get()
    assert event.channel == "grid_inspection" and event.grid_id == browser_world.grid_a.pk
    assert event.solved_on_spot
    phone.assert_clean()
