"""Signing in through the pages, as a browser does."""

import re

import httpx

from tests.factories.org import Caller

PASSWORD = "correct horse battery staple"


async def sign_in(client: httpx.AsyncClient, caller: Caller) -> str:
    """Sign ``caller`` in with the form; returns the page's CSRF token."""
    response = await client.post(
        "/login", data={"email": caller.email, "password": PASSWORD, "next": "/"}
    )
    assert response.status_code == 303, response.text
    home = await client.get("/")
    assert home.status_code == 200
    return csrf_of(home.text)


def csrf_of(page: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', page)
    assert found is not None, "the page carries no CSRF token"
    return found.group(1)
