"""Logging in, bearer tokens, logging out, device tokens and login throttling."""

from muster.org.roles import Role
from tests.factories.api import post
from tests.factories.extra import (
    assert_problem,
    bearer,
    colleague,
    delete,
    get,
    login,
)
from tests.factories.org import make_caller, make_department

PASSWORD = "correct horse battery"


async def test_login_right_password_returns_bearer_token(client, sessions):
    caller = await make_caller(sessions, password=PASSWORD)

    response = await login(client, caller.email, PASSWORD)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["access_token"]
    assert body["access_token"] != caller.token
    assert body["department"]["slug"] == caller.department_slug


async def test_login_token_works_on_me(client, sessions):
    caller = await make_caller(sessions, password=PASSWORD)
    token = (await login(client, caller.email, PASSWORD)).json()["access_token"]

    me = await client.get("/api/v1/me", headers=bearer(token))

    assert me.status_code == 200, me.text
    body = me.json()
    assert body["member"]["id"] == caller.member_id
    assert body["member"]["email"] == caller.email
    assert body["department"]["id"] == caller.department_id
    assert body["roles"] == ["admin"]


async def test_login_email_in_other_case_returns_token(client, sessions):
    caller = await make_caller(sessions, password=PASSWORD)

    response = await login(client, caller.email.upper(), PASSWORD)

    assert response.status_code == 200, response.text


async def test_login_wrong_password_is_401_problem(client, sessions):
    caller = await make_caller(sessions, password=PASSWORD)

    response = await login(client, caller.email, "wrong horse battery")

    body = assert_problem(response, 401)
    assert "access_token" not in body
    assert response.headers["www-authenticate"] == "Bearer"


async def test_login_unknown_email_is_401_problem(client, sessions):
    await make_caller(sessions, password=PASSWORD)

    response = await login(client, "nobody@example.org", PASSWORD)

    body = assert_problem(response, 401)
    assert "access_token" not in body


async def test_login_wrong_password_and_unknown_email_answer_alike(client, sessions):
    caller = await make_caller(sessions, password=PASSWORD)

    wrong = await login(client, caller.email, "wrong horse battery")
    unknown = await login(client, "nobody@example.org", PASSWORD)

    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_login_member_without_password_is_401(client, sessions):
    caller = await make_caller(sessions)

    response = await login(client, caller.email, PASSWORD)

    assert_problem(response, 401)


async def test_login_two_departments_without_department_is_422(client, sessions):
    first = await make_caller(sessions, password=PASSWORD)
    await make_caller(sessions, email=first.email)

    response = await login(client, first.email, PASSWORD)

    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "department"]
    assert "access_token" not in body


async def test_login_two_departments_naming_one_returns_token_for_it(client, sessions):
    first = await make_caller(sessions, password=PASSWORD)
    second = await make_caller(sessions, email=first.email, roles=(Role.VIEWER,))

    response = await login(client, first.email, PASSWORD, second.department_slug)

    assert response.status_code == 200, response.text
    assert response.json()["department"]["slug"] == second.department_slug
    me = await client.get("/api/v1/me", headers=bearer(response.json()["access_token"]))
    assert me.json()["department"]["id"] == second.department_id
    assert me.json()["roles"] == ["viewer"]


async def test_login_department_member_does_not_belong_to_is_401(client, sessions):
    caller = await make_caller(sessions, password=PASSWORD)
    _, other_slug = await make_department(sessions)

    response = await login(client, caller.email, PASSWORD, other_slug)

    assert_problem(response, 401)


async def test_me_without_token_is_401_problem(client, sessions):
    await make_caller(sessions)

    response = await client.get("/api/v1/me")

    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


async def test_me_garbage_token_is_401_problem(client, sessions):
    await make_caller(sessions)

    response = await client.get("/api/v1/me", headers=bearer("mst_not-a-real-token"))

    assert_problem(response, 401)


async def test_me_other_auth_scheme_is_401_problem(client, sessions):
    caller = await make_caller(sessions)

    response = await client.get(
        "/api/v1/me", headers={"Authorization": f"Basic {caller.token}"}
    )

    assert_problem(response, 401)


async def test_logout_then_token_is_401(client, sessions):
    caller = await make_caller(sessions, password=PASSWORD)
    token = (await login(client, caller.email, PASSWORD)).json()["access_token"]

    logout = await client.post("/api/v1/auth/logout", headers=bearer(token))

    assert logout.status_code == 204, logout.text
    revoked = await client.get("/api/v1/me", headers=bearer(token))
    assert_problem(revoked, 401)


async def test_logout_leaves_other_tokens_working(client, sessions):
    caller = await make_caller(sessions, password=PASSWORD)
    token = (await login(client, caller.email, PASSWORD)).json()["access_token"]

    await client.post("/api/v1/auth/logout", headers=bearer(token))

    assert (await client.get("/api/v1/me", headers=caller.headers)).status_code == 200


async def test_logout_without_token_is_401(client, sessions):
    await make_caller(sessions)

    response = await client.post("/api/v1/auth/logout")

    assert_problem(response, 401)


async def test_create_api_token_returns_token_and_record(client, sessions):
    admin = await make_caller(sessions)

    response = await post(client, admin, "/auth/tokens", {"name": "MDT Engine 1"})

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["token"]
    assert body["id"]
    assert (body["name"], body["kind"], body["member_id"]) == (
        "MDT Engine 1",
        "api",
        admin.member_id,
    )
    assert body["revoked_at"] is None


async def test_create_api_token_is_shown_only_once(client, sessions):
    admin = await make_caller(sessions)
    created = (await post(client, admin, "/auth/tokens", {"name": "MDT"})).json()

    listed = await get(client, admin, "/auth/tokens")

    assert listed.status_code == 200, listed.text
    mine = [t for t in listed.json() if t["id"] == created["id"]]
    assert len(mine) == 1
    assert all("token" not in t for t in listed.json())
    assert created["token"] not in listed.text


async def test_create_api_token_token_works_on_me(client, sessions):
    admin = await make_caller(sessions)
    created = (await post(client, admin, "/auth/tokens", {"name": "MDT"})).json()

    me = await client.get("/api/v1/me", headers=bearer(created["token"]))

    assert me.status_code == 200, me.text
    assert me.json()["member"]["id"] == admin.member_id
    assert me.json()["roles"] == ["admin"]


async def test_create_api_token_with_narrower_roles_limits_the_token(client, sessions):
    admin = await make_caller(sessions, roles=(Role.ADMIN, Role.VIEWER))
    created = await post(
        client, admin, "/auth/tokens", {"name": "Wall", "roles": ["viewer"]}
    )
    headers = bearer(created.json()["token"])

    me = await client.get("/api/v1/me", headers=headers)
    read = await client.get("/api/v1/stations", headers=headers)
    write = await client.post(
        "/api/v1/stations", json={"code": "S9", "name": "Nine"}, headers=headers
    )

    assert created.json()["roles"] == ["viewer"]
    assert me.json()["roles"] == ["viewer"]
    assert read.status_code == 200
    assert_problem(write, 403)


async def test_create_api_token_roles_not_held_is_422_and_creates_nothing(
    client, sessions
):
    admin = await make_caller(sessions)
    before = (await get(client, admin, "/auth/tokens")).json()

    response = await post(
        client, admin, "/auth/tokens", {"name": "MDT", "roles": ["dispatcher"]}
    )

    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "roles"]
    assert (await get(client, admin, "/auth/tokens")).json() == before


async def test_create_api_token_as_dispatcher_is_403(client, sessions):
    admin = await make_caller(sessions)
    dispatcher = await colleague(sessions, admin, Role.DISPATCHER)

    response = await post(client, dispatcher, "/auth/tokens", {"name": "MDT"})

    assert_problem(response, 403)


async def test_revoke_api_token_then_token_is_401(client, sessions):
    admin = await make_caller(sessions)
    created = (await post(client, admin, "/auth/tokens", {"name": "MDT"})).json()

    response = await delete(client, admin, f"/auth/tokens/{created['id']}")

    assert response.status_code == 200, response.text
    assert response.json()["revoked_at"] is not None
    me = await client.get("/api/v1/me", headers=bearer(created["token"]))
    assert_problem(me, 401)


async def test_revoke_api_token_unknown_id_is_404_problem(client, sessions):
    admin = await make_caller(sessions)

    response = await delete(client, admin, "/auth/tokens/no-such-token")

    assert_problem(response, 404)


async def test_login_after_five_failures_is_429_with_retry_after(client, sessions):
    caller = await make_caller(sessions, password=PASSWORD)
    for _ in range(5):
        failed = await login(client, caller.email, "wrong horse battery")
        assert failed.status_code == 401

    response = await login(client, caller.email, PASSWORD)

    body = assert_problem(response, 429)
    assert "access_token" not in body
    assert int(response.headers["retry-after"]) > 0


async def test_login_after_four_failures_with_right_password_succeeds(client, sessions):
    caller = await make_caller(sessions, password=PASSWORD)
    for _ in range(4):
        await login(client, caller.email, "wrong horse battery")

    response = await login(client, caller.email, PASSWORD)

    assert response.status_code == 200, response.text


async def test_login_failures_of_one_email_leave_another_unthrottled(client, sessions):
    victim = await make_caller(sessions, password=PASSWORD)
    other = await make_caller(sessions, password=PASSWORD)
    for _ in range(5):
        await login(client, victim.email, "wrong horse battery")

    response = await login(client, other.email, PASSWORD)

    assert response.status_code == 200, response.text
