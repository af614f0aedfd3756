"""Members through the API: adding, listing, reading and editing."""

from muster.org.roles import Role
from tests.factories.api import post
from tests.factories.extra import (
    assert_problem,
    bearer,
    colleague,
    get,
    login,
    make_member,
    make_station,
    patch,
)
from tests.factories.org import make_caller


async def test_create_member_returns_201_with_member(client, sessions):
    admin = await make_caller(sessions)
    station = await make_station(client, admin)

    response = await post(
        client,
        admin,
        "/members",
        {
            "email": "Ada.Lovelace@Example.org",
            "name": "Ada Lovelace",
            "phone": "+1 415 555 0101",
            "roles": ["dispatcher", "responder"],
            "qualifications": ["EMT"],
            "station_id": station["id"],
        },
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"]
    assert body["email"] == "ada.lovelace@example.org"
    assert (body["name"], body["phone"]) == ("Ada Lovelace", "+1 415 555 0101")
    assert sorted(body["roles"]) == ["dispatcher", "responder"]
    assert body["qualifications"] == ["EMT"]
    assert body["station_id"] == station["id"]
    assert (body["is_active"], body["version"]) == (True, 1)


async def test_read_member_after_create_returns_it(client, sessions):
    admin = await make_caller(sessions)
    member = await make_member(client, admin, name="Grace Hopper")

    response = await get(client, admin, f"/members/{member['id']}")

    assert response.status_code == 200, response.text
    assert response.json() == member


async def test_create_member_with_password_can_log_in(client, sessions):
    admin = await make_caller(sessions)
    member = await make_member(client, admin, password="a long password")

    response = await login(client, member["email"], "a long password")

    assert response.status_code == 200, response.text
    me = await client.get("/api/v1/me", headers=bearer(response.json()["access_token"]))
    assert me.json()["member"]["id"] == member["id"]
    assert me.json()["roles"] == ["responder"]


async def test_create_member_duplicate_in_department_is_409(client, sessions):
    admin = await make_caller(sessions)
    member = await make_member(client, admin)

    response = await post(
        client,
        admin,
        "/members",
        {
            "email": member["email"],
            "name": "Same Person",
            "roles": ["viewer"],
        },
    )

    assert_problem(response, 409)
    listed = await get(client, admin, "/members")
    assert [m["id"] for m in listed.json()["items"]].count(member["id"]) == 1


async def test_create_member_unknown_station_is_422(client, sessions):
    admin = await make_caller(sessions)

    response = await post(
        client,
        admin,
        "/members",
        {
            "email": "x@example.org",
            "name": "X",
            "roles": ["viewer"],
            "station_id": "no-such-station",
        },
    )

    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "station_id"]


async def test_create_member_without_roles_is_422(client, sessions):
    admin = await make_caller(sessions)

    response = await post(
        client,
        admin,
        "/members",
        {
            "email": "x@example.org",
            "name": "X",
            "roles": [],
        },
    )

    body = assert_problem(response, 422)
    assert body["errors"]


async def test_create_member_unknown_role_is_422(client, sessions):
    admin = await make_caller(sessions)

    response = await post(
        client,
        admin,
        "/members",
        {
            "email": "x@example.org",
            "name": "X",
            "roles": ["overlord"],
        },
    )

    assert_problem(response, 422)


async def test_list_members_includes_created_members(client, sessions):
    admin = await make_caller(sessions)
    made = [await make_member(client, admin) for _ in range(2)]

    response = await get(client, admin, "/members")

    assert response.status_code == 200, response.text
    ids = {m["id"] for m in response.json()["items"]}
    assert ids == {admin.member_id, made[0]["id"], made[1]["id"]}
    assert response.json()["next_cursor"] is None


async def test_list_members_pages_with_limit_and_cursor(client, sessions):
    admin = await make_caller(sessions)
    for name in ("Delta", "Alpha", "Echo", "Bravo"):
        await make_member(client, admin, name=name)
    everyone = (await get(client, admin, "/members")).json()["items"]

    pages, cursor = [], None
    while True:
        params = {"limit": 2} if cursor is None else {"limit": 2, "cursor": cursor}
        page = (await get(client, admin, "/members", **params)).json()
        pages.append([m["id"] for m in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert [len(p) for p in pages] == [2, 2, 1]
    assert [i for p in pages for i in p] == [m["id"] for m in everyone]


async def test_list_members_malformed_cursor_is_422(client, sessions):
    admin = await make_caller(sessions)

    response = await get(client, admin, "/members", cursor="%%%")

    assert_problem(response, 422)


async def test_list_members_limit_over_maximum_is_422(client, sessions):
    admin = await make_caller(sessions)

    response = await get(client, admin, "/members", limit=100_000)

    assert_problem(response, 422)


async def test_read_member_unknown_is_404_problem(client, sessions):
    admin = await make_caller(sessions)

    response = await get(client, admin, "/members/no-such-member")

    assert_problem(response, 404)


async def test_patch_member_changes_fields_and_bumps_version(client, sessions):
    admin = await make_caller(sessions)
    station = await make_station(client, admin)
    member = await make_member(client, admin)

    response = await patch(
        client,
        admin,
        f"/members/{member['id']}",
        {
            "roles": ["dispatcher"],
            "qualifications": ["HAZMAT"],
            "station_id": station["id"],
        },
        if_match=1,
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["roles"], body["qualifications"], body["station_id"]) == (
        ["dispatcher"],
        ["HAZMAT"],
        station["id"],
    )
    assert body["version"] == 2
    assert (await get(client, admin, f"/members/{member['id']}")).json() == body


async def test_patch_member_name_only_bumps_version(client, sessions):
    admin = await make_caller(sessions)
    member = await make_member(client, admin, name="Old Name")

    response = await patch(
        client, admin, f"/members/{member['id']}", {"name": "New Name"}, if_match=1
    )

    assert response.status_code == 200, response.text
    assert response.json()["name"] == "New Name"
    assert response.json()["version"] == 2


async def test_patch_member_stale_version_is_409_with_current_version(client, sessions):
    admin = await make_caller(sessions)
    member = await make_member(client, admin)
    path = f"/members/{member['id']}"
    await patch(client, admin, path, {"roles": ["dispatcher"]}, if_match=1)

    stale = await patch(client, admin, path, {"roles": ["viewer"]}, if_match=1)

    body = assert_problem(stale, 409)
    assert body["current_version"] == 2
    assert (await get(client, admin, path)).json()["roles"] == ["dispatcher"]


async def test_patch_member_admin_dropping_own_admin_role_is_409(client, sessions):
    admin = await make_caller(sessions)

    response = await patch(
        client, admin, f"/members/{admin.member_id}", {"roles": ["dispatcher"]}
    )

    assert_problem(response, 409)
    me = await get(client, admin, f"/members/{admin.member_id}")
    assert me.json()["roles"] == ["admin"]


async def test_patch_member_admin_dropping_other_admins_role_succeeds(client, sessions):
    admin = await make_caller(sessions)
    other = await colleague(sessions, admin, Role.ADMIN)

    response = await patch(
        client, admin, f"/members/{other.member_id}", {"roles": ["dispatcher"]}
    )

    assert response.status_code == 200, response.text
    assert response.json()["roles"] == ["dispatcher"]


async def test_patch_member_unknown_station_is_422(client, sessions):
    admin = await make_caller(sessions)
    member = await make_member(client, admin)

    response = await patch(
        client, admin, f"/members/{member['id']}", {"station_id": "no-such-station"}
    )

    assert_problem(response, 422)
    assert (await get(client, admin, f"/members/{member['id']}")).json() == member


async def test_patch_member_inactive_their_token_is_401(client, sessions):
    admin = await make_caller(sessions)
    dispatcher = await colleague(sessions, admin, Role.DISPATCHER)

    response = await patch(
        client, admin, f"/members/{dispatcher.member_id}", {"is_active": False}
    )

    assert response.status_code == 200, response.text
    assert response.json()["is_active"] is False
    assert_problem(await client.get("/api/v1/me", headers=dispatcher.headers), 401)


async def test_patch_member_unknown_is_404_problem(client, sessions):
    admin = await make_caller(sessions)

    response = await patch(client, admin, "/members/no-such-member", {"name": "X"})

    assert_problem(response, 404)


async def test_create_member_as_dispatcher_is_403(client, sessions):
    admin = await make_caller(sessions)
    dispatcher = await colleague(sessions, admin, Role.DISPATCHER)

    response = await post(
        client,
        dispatcher,
        "/members",
        {
            "email": "x@example.org",
            "name": "X",
            "roles": ["viewer"],
        },
    )

    assert_problem(response, 403)
    ids = {m["id"] for m in (await get(client, admin, "/members")).json()["items"]}
    assert ids == {admin.member_id, dispatcher.member_id}


async def test_patch_member_as_dispatcher_is_403(client, sessions):
    admin = await make_caller(sessions)
    dispatcher = await colleague(sessions, admin, Role.DISPATCHER)

    response = await patch(
        client, dispatcher, f"/members/{dispatcher.member_id}", {"roles": ["admin"]}
    )

    assert_problem(response, 403)
    me = await get(client, admin, f"/members/{dispatcher.member_id}")
    assert me.json()["roles"] == ["dispatcher"]
