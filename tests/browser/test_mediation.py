"""Issue #5 in a real browser: the village mediator registers a neighbour dispute with two
entered parties, accepts it with both parties' consent, records a session and a written
agreement with one performance term, downloads the 调解协议书 (DOCX), and the town officer sees
the case counted on the statistics page."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from shanzhi.core.tests.documents_support import docx_text
from shanzhi.mediation.models import MediationBody, MediationCase, Mediator
from shanzhi.testing.personas import PASSWORD

pytestmark = pytest.mark.browser


def log_in(session, username: str) -> None:
    page = session.page
    page.context.clear_cookies()
    page.goto(session.url("/accounts/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#sz-login-form button[type=submit]")
    page.wait_for_url(session.url("/"))


def act(page, transition: str) -> None:
    """Submit a transition's (already filled) form and wait for the detail page again."""
    with page.expect_navigation():
        page.click(f'[data-transition-form="{transition}"] [data-action="{transition}"]')


def open_action(page, transition: str) -> None:
    page.click(f'[data-transition-form="{transition}"] summary')


def test_mediator_registers_mediates_agrees_and_town_counts_it(browser, browser_world, tmp_path):
    world = browser_world
    town_body = MediationBody.objects.create(
        name="常庄街道调解中心", code="M370403001", level="town", area=world.town
    )
    village_body = MediationBody.objects.create(
        name="东村人民调解委员会",
        code="M370403001001",
        level="village",
        area=world.village,
        parent=town_body,
    )
    Mediator.objects.create(name="东村调解员", body=village_body, user=world.mediator)
    page = browser.page

    # 1. The village mediator registers a neighbour dispute with two entered parties.
    log_in(browser, "mediator")
    page.goto(browser.url("/mediation/new/"))
    expect(page.locator("#id_body")).to_have_value(str(village_body.pk))
    page.fill("#id_title", "张三与李四邻里纠纷")
    page.select_option("#id_category", "neighbour")
    page.select_option("#id_area", str(world.grid_a.pk))
    page.fill("#id_description", "两家因院墙排水问题发生争执。")
    page.fill("#id_disputed_points", "排水沟改道及费用承担。")
    expect(page.locator("#id_party-0-role")).to_have_value("applicant")
    page.fill("#id_party-0-name", "张三")
    page.fill("#id_party-0-phone", "13800000001")
    page.fill("#id_party-0-address", "东村12号")
    expect(page.locator("#id_party-1-role")).to_have_value("respondent")
    page.fill("#id_party-1-name", "李四")
    page.fill("#id_party-1-address", "东村14号")
    with page.expect_navigation():
        page.click('#sz-case-form [data-action="register"]')
    expect(page.locator("#sz-case-state")).to_have_text("已登记")
    number = page.locator("#sz-case-number").inner_text().strip()
    case = MediationCase.objects.get(number=number)
    assert case.category == "neighbour" and case.parties.count() == 2
    expect(page.locator("#sz-case-parties")).to_contain_text("138****0001")

    # 2. Both parties consent: accepted; the mediator takes it on (assign) and records a session.
    open_action(page, "accept")
    page.check("#id_accept-consent")
    act(page, "accept")
    expect(page.locator("#sz-case-state")).to_have_text("已受理")
    expect(page.locator("#sz-case-due")).to_be_visible()
    open_action(page, "assign")
    page.locator('[data-transition-form="assign"] input[type=checkbox]').first.check()
    act(page, "assign")
    expect(page.locator("#sz-case-state")).to_have_text("调解中")
    open_action(page, "session")
    page.fill("#id_session-place", "东村村委会调解室")
    page.fill("#id_session-record", "双方陈述意见，同意共同改道排水沟。")
    act(page, "session")
    expect(page.locator("#sz-case-sessions [data-session]")).to_have_count(1)

    # 3. A written agreement with one term (manner and deadline of performance).
    deadline = (timezone.localdate() + datetime.timedelta(days=15)).isoformat()
    open_action(page, "agree")
    page.fill("#id_agree-responsibilities", "双方各承担一半费用。")
    page.fill("#id_terms-0-content", "李四将排水沟改道至自家院外")
    page.fill("#id_terms-0-manner", "李四自行施工，张三承担一半材料费")
    page.fill("#id_terms-0-deadline", deadline)
    act(page, "agree")
    expect(page.locator("#sz-case-state")).to_have_text("调解成功")
    expect(page.locator("#sz-agreement-terms [data-term]")).to_have_count(1)

    # 4. The 调解协议书 as a Word document.
    with page.expect_download() as info:
        page.click('[data-doc="agreement-docx"]')
    download = info.value
    assert download.suggested_filename == f"人民调解协议书-{number}.docx"
    path = tmp_path / "agreement.docx"
    download.save_as(str(path))
    text = docx_text(path.read_bytes())
    for expected in (
        "张三",
        "李四",
        "李四将排水沟改道至自家院外",
        "李四自行施工，张三承担一半材料费",
    ):
        assert expected in text
    assert f"{deadline[:4]}年" in text
    browser.assert_clean()

    # 5. The town officer sees the case counted on the statistics page.
    log_in(browser, "town_officer")
    page.goto(browser.url("/mediation/statistics/"))
    neighbour = page.locator('[data-group="by_category"] tr[data-key="neighbour"] [data-count]')
    expect(neighbour).to_have_text("1")
    expect(page.locator('[data-figure="total"] [data-value]')).to_have_text("1")
    expect(page.locator('[data-figure="agreed"] [data-value]')).to_have_text("1")
    expect(page.locator("#sz-chart-by_category canvas")).to_have_count(1)
    browser.assert_clean()
