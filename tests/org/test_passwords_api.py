"""Passwords: an admin sets one for their own department's member; a member
changes their own; a non-admin cannot revoke someone else's token."""

from muster.org.roles import Role
from tests.factories.api import post
from tests.factories.extra import assert_problem, colleague
from tests.factories.org import make_caller


async def _login(client, email, password):
    return await client.post(
        "/api/v1/auth/token", json={"email": email, "password": password}
    )


async def test_admin_sets_password_of_own_member_who_can_then_log_in(client, sessions):
    admin = await make_caller(sessions)
    member = await colleague(sessions, admin, Role.RESPONDER)

    response = await post(
        client,
        admin,
        f"/members/{member.member_id}/password",
        {"password": "fresh-password-1"},
    )

    assert response.status_code == 204
    assert (await _login(client, member.email, "fresh-password-1")).status_code == 200


async def test_change_own_password_with_current_one_works(client, sessions):
    member = await make_caller(
        sessions, roles=(Role.RESPONDER,), password="old-password"
    )

    response = await post(
        client,
        member,
        "/me/password",
        {"current_password": "old-password", "new_password": "new-password-2"},
    )

    assert response.status_code == 204
    assert (await _login(client, member.email, "old-password")).status_code == 401
    assert (await _login(client, member.email, "new-password-2")).status_code == 200


async def test_change_own_password_wrong_current_is_422(client, sessions):
    member = await make_caller(
        sessions, roles=(Role.RESPONDER,), password="old-password"
    )

    response = await post(
        client,
        member,
        "/me/password",
        {"current_password": "not-it", "new_password": "new-password-2"},
    )

    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "current_password"]
    assert (await _login(client, member.email, "old-password")).status_code == 200


async def test_change_own_password_without_one_set_is_422(client, sessions):
    member = await make_caller(sessions, roles=(Role.RESPONDER,))

    response = await post(
        client,
        member,
        "/me/password",
        {"current_password": "anything", "new_password": "new-password-2"},
    )

    assert_problem(response, 422)


async def test_revoke_other_members_token_as_dispatcher_is_403(client, sessions):
    admin = await make_caller(sessions)
    created = await post(client, admin, "/auth/tokens", {"name": "tablet"})
    dispatcher = await colleague(sessions, admin, Role.DISPATCHER)

    response = await client.delete(
        f"/api/v1/auth/tokens/{created.json()['id']}", headers=dispatcher.headers
    )

    assert_problem(response, 403)
    still = await client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {created.json()['token']}"}
    )
    assert still.status_code == 200
