"""After-action pages inside the site: the list of incidents and one review."""

import pytest

from muster.org.roles import Role
from tests.factories.after_action import make_worked_incident
from tests.factories.extra import colleague
from tests.factories.org import make_caller
from tests.factories.pages import PASSWORD, sign_in


@pytest.fixture
async def worked(client, sessions, frozen):
    admin = await make_caller(sessions, password=PASSWORD)
    return await make_worked_incident(client, sessions, admin, frozen)


async def test_the_reviews_page_lists_incidents_with_links(client, worked):
    await sign_in(client, worked.caller)

    response = await client.get("/reports/reviews")

    assert response.status_code == 200
    number, incident_id = worked.incident["number"], worked.incident["id"]
    assert f'<a href="/incidents/{incident_id}/review">Review {number}</a>' in (
        response.text
    )


async def test_a_review_page_shows_the_record_in_the_layout(client, worked):
    await sign_in(client, worked.caller)

    response = await client.get(f"/incidents/{worked.incident['id']}/review")

    assert response.status_code == 200
    page = response.text
    assert 'href="/static/muster.css"' in page
    assert worked.incident["number"] in page
    assert "<polyline" in page  # the units' tracks
    assert "E1" in page
    assert "after-action?format=pdf" in page
    assert "Sign out" in page


async def test_a_viewer_may_read_reviews(client, sessions, worked):
    viewer = await colleague(sessions, worked.caller, Role.VIEWER, password=PASSWORD)
    await sign_in(client, viewer)

    response = await client.get(f"/incidents/{worked.incident['id']}/review")

    assert response.status_code == 200


async def test_another_departments_incident_is_a_404_page(client, sessions, worked):
    stranger = await make_caller(sessions, password=PASSWORD)
    await sign_in(client, stranger)

    response = await client.get(f"/incidents/{worked.incident['id']}/review")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert worked.incident["number"] not in response.text


async def test_without_a_session_the_review_asks_to_sign_in(client, worked):
    response = await client.get(f"/incidents/{worked.incident['id']}/review")

    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
