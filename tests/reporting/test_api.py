"""The response-times routes: JSON, CSV, permissions and bad parameters."""

import csv
import io
from datetime import UTC, datetime

import pytest

from muster.org.roles import Role
from tests.factories.extra import assert_problem, colleague, get
from tests.factories.org import make_caller
from tests.factories.reporting import Call, Crew, add_calls, make_place

AT = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
async def viewer(sessions):
    admin = await make_caller(sessions)
    place = await make_place(
        sessions, admin.department_id, units=("=HYPERLINK()", "E1")
    )
    await add_calls(
        sessions,
        place,
        Call(
            at=AT,
            dispatched=50,
            on_scene=290,
            crews=[
                Crew("=HYPERLINK()", dispatched=50, en_route=90, on_scene=290),
                Crew("E1", dispatched=55, en_route=100),
            ],
        ),
    )
    return await colleague(sessions, admin, Role.VIEWER)


async def test_response_times_answers_api_shape_for_a_viewer(client, viewer):
    response = await get(client, viewer, "/reports/response-times", group_by="type")

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body["intervals"]) >= {
        "call_processing",
        "turnout",
        "travel",
        "total_response",
    }
    turnout = body["intervals"]["turnout"]
    assert {"count", "mean", "median", "p90", "target_s", "within_target"} <= set(
        turnout
    )
    assert turnout["count"] == 2
    assert body["groups"][0]["key"] == "MED"
    assert body["groups"][0]["intervals"]["call_processing"]["median"] == 50
    assert body["from"] is None


async def test_response_times_period_filters_on_received_time(client, viewer):
    later = await get(
        client,
        viewer,
        "/reports/response-times",
        **{"from": "2026-05-04T12:00:01Z", "to": "2026-05-05T00:00:00Z"},
    )

    assert later.status_code == 200, later.text
    assert later.json()["intervals"]["call_processing"]["count"] == 0
    assert later.json()["from"] == "2026-05-04T12:00:01Z"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"group_by": "colour"}, "group_by"),
        ({"priority": "9"}, "priority"),
        ({"profile": "fastest"}, "profile"),
        ({"type": "NOPE"}, "type"),
        ({"from": "2026-05-05T00:00:00Z", "to": "2026-05-04T00:00:00Z"}, "to"),
    ],
)
async def test_response_times_bad_parameter_is_422_problem(
    client, viewer, params, field
):
    response = await get(client, viewer, "/reports/response-times", **params)

    body = assert_problem(response, 422)
    assert field in response.text, body


async def test_response_times_without_token_is_401(client):
    response = await client.get("/api/v1/reports/response-times")

    assert_problem(response, 401)


async def test_response_times_csv_neutralises_formula_cells(client, viewer):
    response = await get(client, viewer, "/reports/response-times.csv", group_by="unit")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    keys = {row["key"] for row in rows if row["group_by"] == "unit"}
    assert keys == {"'=HYPERLINK()", "E1"}
    turnout = next(
        r for r in rows if r["group_by"] == "all" and r["interval"] == "turnout"
    )
    assert turnout["count"] == "2"


async def test_response_times_csv_bad_group_is_422(client, viewer):
    response = await get(client, viewer, "/reports/response-times.csv", group_by="x")

    assert_problem(response, 422)
