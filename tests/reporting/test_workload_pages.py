"""The workload page: totals, the costliest units, strain and the CSV links."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories.org import make_caller
from tests.factories.pages import PASSWORD, sign_in
from tests.factories.workload import (
    Kind,
    Vehicle,
    Work,
    add_incident,
    add_work,
    make_yard,
)

DAY = datetime(2026, 5, 4, tzinfo=UTC)
PERIOD = {"from": "2026-05-04", "to": "2026-05-05"}


@pytest.fixture
async def chief(sessions):
    admin = await make_caller(sessions, password=PASSWORD)
    yard = await make_yard(
        sessions,
        admin.department_id,
        [Kind("ENGINE", fuel=0.5, wear=0.25, hourly=100, min_available=1)],
        [Vehicle("E1", "ENGINE", crew=4), Vehicle("<E2>", "ENGINE", crew=2)],
    )
    first = await add_incident(sessions, yard, DAY + timedelta(hours=9), (37.7, -122.4))
    second = await add_incident(
        sessions, yard, DAY + timedelta(hours=13), (37.8, -122.4)
    )
    h = lambda hours: DAY + timedelta(hours=hours)  # noqa: E731 - a short local helper
    await add_work(
        sessions,
        yard,
        Work(first, h(9), h(12), unit="E1"),
        Work(second, h(13), h(14), unit="<E2>"),
    )
    return admin


async def test_the_page_shows_totals_and_the_costliest_unit_first(client, chief):
    await sign_in(client, chief)

    response = await client.get("/reports/workload", params=PERIOD)

    assert response.status_code == 200, response.text
    page = response.text
    # E1: 3 h at 100 an hour; <E2>: 1 h. No positions, so no distance.
    assert re.search(r"Estimated cost</div><div class=\"figure\">400<", page)
    assert re.search(r"Unit hours committed</div><div class=\"figure\">4.0<", page)
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>ENGINE</td>', page)
    assert rows == ["E1", "&lt;E2&gt;"]
    assert "Costliest units" in page
    assert page.count("<svg") == 2


async def test_every_table_has_its_csv_link_and_it_downloads(client, chief):
    await sign_in(client, chief)
    page = (await client.get("/reports/workload", params=PERIOD)).text

    links = re.findall(r'href="(/api/v1/reports/utilization\.csv\?[^"]+)"', page)
    tables = {re.search(r"table=(\w+)", link).group(1) for link in links}
    response = await client.get(links[0].replace("&amp;", "&"))

    assert tables == {
        "units",
        "types",
        "personnel",
        "incidents",
        "strain",
        "duplicates",
    }
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "E1" in response.text


async def test_bad_filters_say_why(client, chief):
    await sign_in(client, chief)

    bad = await client.get("/reports/workload", params={"weekly_hours": "many"})
    backwards = await client.get(
        "/reports/workload", params={"from": "2026-05-05", "to": "2026-05-04"}
    )

    assert bad.status_code == 422
    assert "Check these filters: weekly_hours." in bad.text
    assert backwards.status_code == 422
    assert 'role="alert"' in backwards.text


async def test_without_rates_there_is_no_cost_chart_but_a_hint(client, sessions):
    admin = await make_caller(sessions, password=PASSWORD)
    await make_yard(
        sessions, admin.department_id, [Kind("MEDIC")], [Vehicle("M1", "MEDIC")]
    )
    await sign_in(client, admin)

    page = (await client.get("/reports/workload", params=PERIOD)).text

    assert "Costliest units" not in page
    assert "No unit type has cost rates yet" in page
    assert page.count("<svg") == 1
