"""Sign-in with a session cookie, CSRF on changes, and pages' own errors."""

import pytest

from muster.core import sessions as cookie_sessions
from muster.org.pages import safe_next
from muster.org.roles import Role
from tests.factories.extra import colleague
from tests.factories.org import make_caller
from tests.factories.pages import PASSWORD, csrf_of, sign_in


@pytest.fixture
async def admin(sessions):
    return await make_caller(sessions, password=PASSWORD)


async def test_a_page_without_a_session_sends_the_browser_to_sign_in(client):
    response = await client.get("/reports?group_by=type")

    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Freports%3Fgroup_by%3Dtype"


async def test_signing_in_sets_an_http_only_cookie_and_returns_to_the_page(
    client, admin
):
    response = await client.post(
        "/login",
        data={"email": admin.email, "password": PASSWORD, "next": "/reports"},
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/reports"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{cookie_sessions.COOKIE_NAME}=")
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    home = await client.get("/")
    assert home.status_code == 200
    assert "Sign out" in home.text


async def test_a_wrong_password_shows_the_form_again_with_401(client, admin):
    response = await client.post(
        "/login", data={"email": admin.email, "password": "nope", "next": "/"}
    )

    assert response.status_code == 401
    assert "email, password or department is wrong" in response.text
    assert "set-cookie" not in response.headers


async def test_an_empty_form_is_refused_with_422(client):
    response = await client.post("/login", data={"email": "", "password": ""})

    assert response.status_code == 422
    assert "Enter your email address and password." in response.text


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("/reports?x=1", "/reports?x=1"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_sign_in_only_returns_to_this_site(given, expected):
    assert safe_next(given) == expected


async def test_a_tampered_cookie_is_no_session(client, admin):
    await sign_in(client, admin)
    client.cookies.set(cookie_sessions.COOKIE_NAME, "forged.value")

    response = await client.get("/")

    assert response.status_code == 303


async def test_the_cookie_works_for_the_api_but_changes_need_the_csrf_token(
    client, admin
):
    csrf = await sign_in(client, admin)

    read = await client.get("/api/v1/me")
    forged = await client.post("/api/v1/stations", json={"code": "S9", "name": "Nine"})
    allowed = await client.post(
        "/api/v1/stations",
        json={"code": "S9", "name": "Nine"},
        headers={"X-CSRF-Token": csrf},
    )

    assert read.status_code == 200
    assert read.json()["member"]["email"] == admin.email
    assert forged.status_code == 403
    assert "did not come from Muster" in forged.json()["detail"]
    assert allowed.status_code == 201


async def test_signing_out_needs_the_form_token_and_revokes_the_session(client, admin):
    csrf = await sign_in(client, admin)
    cookie = client.cookies.get(cookie_sessions.COOKIE_NAME)

    refused = await client.post("/logout", data={"csrf_token": "0" * 64})
    done = await client.post("/logout", data={"csrf_token": csrf})

    assert refused.status_code == 403
    assert "did not come from Muster" in refused.text
    assert done.status_code == 303
    client.cookies.set(cookie_sessions.COOKIE_NAME, cookie)
    assert (await client.get("/")).status_code == 303


async def test_pages_offer_only_what_the_role_may_use(client, sessions, admin):
    viewer = await colleague(sessions, admin, Role.VIEWER, password=PASSWORD)

    await sign_in(client, viewer)
    page = (await client.get("/")).text

    assert "/reports" in page
    assert "/api/v1/export" not in page


async def test_an_unknown_page_is_an_html_404(client, admin):
    await sign_in(client, admin)

    response = await client.get("/no/such/page")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Not found" in response.text


async def test_api_errors_stay_problem_details(client):
    response = await client.get("/api/v1/no-such-thing")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_the_csrf_token_belongs_to_one_session():
    first = cookie_sessions.csrf_token("a", secret="s" * 32)

    assert cookie_sessions.csrf_matches(first, "a", secret="s" * 32)
    assert not cookie_sessions.csrf_matches(first, "b", secret="s" * 32)
    assert not cookie_sessions.csrf_matches(None, "a", secret="s" * 32)
    assert csrf_of(f'<meta name="csrf-token" content="{first}">') == first
