"""Issue #2 in a real browser: log in, open the map, click a grid, read its card."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from shanzhi.testing.personas import PASSWORD

pytestmark = pytest.mark.browser


def log_in(session, username: str) -> None:
    page = session.page
    page.goto(session.url("/accounts/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#sz-login-form button[type=submit]")
    page.wait_for_url(session.url("/"))


def open_map(session) -> None:
    page = session.page
    if page.locator(".navbar-toggler").is_visible():
        page.click(".navbar-toggler")
    page.click('[data-nav="map"]')
    page.wait_for_url(session.url("/areas/map/"))
    expect(page.locator("#sz-map")).to_have_attribute("data-state", "ready")


def drawn_codes(session, selector: str) -> set[str]:
    paths = session.page.locator(selector)
    return {paths.nth(i).get_attribute("data-code") for i in range(paths.count())}


def test_grid_worker_clicks_their_grid_and_reads_its_card(browser, browser_world):
    world = browser_world
    page = browser.page
    log_in(browser, "grid_worker_a")
    open_map(browser)

    grids = page.locator("path.sz-grid")
    expect(grids).to_have_count(1)
    assert drawn_codes(browser, "path.sz-area") == {world.grid_a.code}

    grids.first.click()
    card = page.locator(".leaflet-popup-content .sz-grid-card")
    expect(card).to_contain_text("东村第一网格")
    expect(card.locator('[data-field="worker"]')).to_contain_text("网格员甲")
    expect(card.locator('[data-field="supervision-phone"]')).to_contain_text("0632-4412345")

    card.locator('[data-action="open-card"]').click()
    page.wait_for_url(browser.url(f"/areas/grids/{world.grid_a.code}/"))
    expect(page.locator("h2")).to_contain_text("东村第一网格")
    expect(page.locator('[data-field="worker"]')).to_contain_text("网格员甲")
    expect(page.locator('[data-field="leader"]')).to_contain_text("东村书记")
    expect(page.locator('[data-field="supervision-phone"]')).to_contain_text("0632-4412345")
    expect(page.locator('[data-sz-map="boundary"]')).to_have_attribute("data-state", "ready")
    expect(page.locator('[data-sz-map="boundary"] path.sz-grid')).to_have_count(1)
    browser.assert_clean()


def test_town_officer_sees_the_towns_villages_and_grids(browser, browser_world):
    world = browser_world
    page = browser.page
    log_in(browser, "town_officer")
    open_map(browser)

    expect(page.locator("path.sz-grid")).to_have_count(4)
    assert drawn_codes(browser, "path.sz-grid") == {
        world.grid_a.code,
        world.grid_b.code,
        world.grid_c.code,
        world.school_grid.code,
    }
    assert drawn_codes(browser, "path.sz-outline") == {
        world.town.code,
        world.village.code,
        world.village2.code,
    }
    # Dedicated grids are drawn in their own colour.
    expect(page.locator("path.sz-kind-dedicated")).to_have_count(1)

    page.locator(f'path.sz-grid[data-code="{world.grid_c.code}"]').click()
    expect(page.locator(".leaflet-popup-content .sz-grid-card")).to_contain_text("西村第一网格")
    browser.assert_clean()


def test_grid_card_is_public_without_logging_in(browser, browser_world):
    page = browser.page
    page.goto(browser.url(f"/areas/grids/{browser_world.grid_b.code}/"))
    expect(page.locator('[data-field="worker"]')).to_contain_text("网格员乙")
    expect(page.locator('[data-sz-map="boundary"]')).to_have_attribute("data-state", "ready")
    expect(page.locator('[data-nav="login"]')).to_be_visible()
    browser.assert_clean()


def test_grid_worker_on_a_phone_opens_the_map_from_the_collapsed_menu(phone, browser_world):
    page = phone.page
    log_in(phone, "grid_worker_a")
    expect(page.locator('[data-nav="map"]')).to_be_hidden()
    open_map(phone)
    expect(page.locator("path.sz-grid")).to_have_count(1)
    phone.assert_clean()


def test_log_out_from_the_user_menu(browser, browser_world):
    page = browser.page
    log_in(browser, "grid_worker_a")
    page.click("#sz-user-menu")
    page.click('[data-nav="logout"]')
    page.wait_for_url(browser.url("/accounts/login/"))
    page.goto(browser.url("/areas/map/"))
    expect(page).to_have_url(browser.url("/accounts/login/?next=/areas/map/"))
    browser.assert_clean()
