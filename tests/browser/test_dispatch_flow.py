"""In a real browser: take a call, see the recommendation, dispatch; a
responder acknowledges on a phone; the dispatcher sees it without reloading."""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 900}
NEAR_STATION_1 = (37.7850, -122.4080)


def sign_in(page: Page, base_url: str, email: str, target: str) -> None:
    page.goto(f"{base_url}/login?next={target}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}{target}")


def take_call(page: Page, description: str) -> None:
    page.get_by_label("Incident type").select_option("MEDICAL")
    page.get_by_label("Address or place").fill("Mint Plaza")
    page.get_by_label("Latitude").fill(str(NEAR_STATION_1[0]))
    page.get_by_label("Longitude").fill(str(NEAR_STATION_1[1]))
    page.get_by_label("Caller's name").fill("Passer-by")
    page.get_by_label("Caller's phone").fill("+1 415 555 0177")
    page.get_by_label("What happened").fill(description)


def test_responder_acknowledgement_reaches_dispatcher_without_reload(
    browser: Browser, base_url: str, artifacts: Path
) -> None:
    desk = browser.new_context(viewport=DESK)
    dispatcher = desk.new_page()
    sign_in(dispatcher, base_url, "dispatch@demo.example", "/console")
    take_call(dispatcher, "Cyclist down, breathing, cut to the head")
    dispatcher.screenshot(path=artifacts / "console-call.png", full_page=True)
    dispatcher.get_by_role("button", name="Save call").click()

    recommendation = dispatcher.locator("#recommendation")
    expect(recommendation).to_contain_text("Recommended for the first alarm")
    expect(recommendation).to_contain_text("M1")
    dispatcher.screenshot(path=artifacts / "console-recommendation.png", full_page=True)
    dispatcher.get_by_role("button", name="Dispatch M1").click()
    dispatcher.wait_for_url("**/incidents/*")
    assignments = dispatcher.locator("#assignments")
    expect(assignments).to_contain_text("pending")
    dispatcher.evaluate("window.stillTheSamePage = true")

    phone = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        permissions=["geolocation"],
        geolocation={"latitude": 37.7801, "longitude": -122.4035},
    )
    responder = phone.new_page()
    sign_in(responder, base_url, "riley@demo.example", "/responder")
    expect(responder.locator("#card")).to_contain_text("Cyclist down")
    responder.screenshot(path=artifacts / "responder-paged.png", full_page=True)
    responder.get_by_role("button", name="Responding", exact=True).tap()
    expect(responder.locator("#assignment-state")).to_have_text("acknowledged")
    expect(responder.locator("#share-state")).to_contain_text("Sharing your location")
    responder.screenshot(path=artifacts / "responder-responding.png", full_page=True)

    expect(assignments).to_contain_text("acknowledged")
    expect(dispatcher.locator("#timeline")).to_contain_text(
        "M1 acknowledged: responding."
    )
    assert dispatcher.evaluate("window.stillTheSamePage") is True
    dispatcher.screenshot(path=artifacts / "incident-acknowledged.png", full_page=True)
    phone.close()
    desk.close()
