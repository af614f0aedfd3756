"""The main pages pass axe-core's checks (labels, contrast, names, structure)
with no serious or critical violation, and the call form works by keyboard."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import AXE
from tests.browser.test_dispatch_flow import DESK, PHONE, sign_in

pytestmark = pytest.mark.browser

SEVERE = ("serious", "critical")


def severe_violations(page: Page) -> list[dict[str, object]]:
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, object]] = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]}))
            .violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))"""
    )
    return [v for v in found if v["impact"] in SEVERE]


@pytest.mark.parametrize(
    "case",
    [
        ("dispatch@demo.example", "/console", DESK),
        ("dispatch@demo.example", "/", DESK),
        ("riley@demo.example", "/responder", PHONE),
        ("chief@demo.example", "/reports", DESK),
    ],
)
def test_page_has_no_serious_accessibility_violations(
    browser: Browser,
    base_url: str,
    artifacts: Path,
    case: tuple[str, str, dict[str, int]],
) -> None:
    email, path, viewport = case
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    sign_in(page, base_url, email, path)

    found = severe_violations(page)

    name = path.strip("/") or "home"
    page.screenshot(path=artifacts / f"page-{name}.png", full_page=True)
    context.close()
    assert not found, json.dumps(found, indent=2)


def test_incident_page_has_no_serious_accessibility_violations(
    browser: Browser, base_url: str
) -> None:
    context = browser.new_context(viewport=DESK)
    page = context.new_page()
    sign_in(page, base_url, "dispatch@demo.example", "/console")
    page.locator("#queue a").first.click()
    page.wait_for_url("**/incidents/*")

    found = severe_violations(page)

    context.close()
    assert not found, json.dumps(found, indent=2)


def test_sign_in_page_has_no_serious_accessibility_violations(
    browser: Browser, base_url: str
) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{base_url}/login")

    found = severe_violations(page)

    context.close()
    assert not found, json.dumps(found, indent=2)


def test_call_form_is_usable_by_keyboard(browser: Browser, base_url: str) -> None:
    context = browser.new_context(viewport=DESK)
    page = context.new_page()
    sign_in(page, base_url, "dispatch@demo.example", "/console")
    page.get_by_label("Incident type").focus()

    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("Keyboard Street")

    expect(page.get_by_label("Address or place")).to_have_value("Keyboard Street")
    context.close()


def test_accessibility_check_finds_an_unlabelled_field(browser: Browser) -> None:
    page = browser.new_page()
    page.set_content('<html lang="en"><title>t</title><main><input></main></html>')

    found = severe_violations(page)

    page.close()
    assert "label" in [v["id"] for v in found]
