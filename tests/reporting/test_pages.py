"""The response-times page: tiles against targets, charts, the table and CSV."""

import csv
import io
import re
from datetime import UTC, datetime

import pytest

from muster.org.roles import Role
from muster.reporting.charts import Bar, Chart, columns, duration, horizontal_bars
from muster.reporting.pages import tile_hint
from muster.reporting.schemas import IntervalStats, TargetTier
from tests.factories.extra import colleague
from tests.factories.org import make_caller
from tests.factories.pages import PASSWORD, sign_in
from tests.factories.reporting import Call, Crew, add_calls, make_place

AT = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
async def chief(sessions):
    admin = await make_caller(sessions, password=PASSWORD)
    place = await make_place(sessions, admin.department_id, units=("E1", "<b>M1"))
    await add_calls(
        sessions,
        place,
        # Station S1 answers fast, S2 slowly; both in the 09:00 hour.
        Call(
            at=AT,
            station="S1",
            dispatched=40,
            on_scene=300,
            crews=[Crew("E1", dispatched=40, en_route=90, on_scene=300)],
        ),
        Call(
            at=AT.replace(minute=30),
            station="S2",
            type="FIRE",
            dispatched=120,
            on_scene=900,
            crews=[Crew("<b>M1", dispatched=120, en_route=300, on_scene=900)],
        ),
    )
    return await colleague(sessions, admin, Role.VIEWER, password=PASSWORD)


def _tile(page: str, name: str) -> str:
    found = re.search(
        rf'<div class="tile ([a-z]*)">\s*<div>{name}</div>\s*'
        r'<div class="figure">([^<]+)</div>',
        page,
    )
    assert found is not None, f"no tile for {name}"
    return f"{found.group(1)} {found.group(2)}"


async def test_the_page_shows_intervals_against_targets(client, chief):
    await sign_in(client, chief)

    response = await client.get("/reports", params={"group_by": "station"})

    assert response.status_code == 200, response.text
    page = response.text
    # Call processing p90 of 40 s and 120 s, interpolated: 112 s > 64 s target.
    assert _tile(page, "Call processing") == "missed 1:52"
    assert '<th scope="row">S1</th>' in page
    assert '<th scope="row">S2</th>' in page
    assert page.count("<svg") == 2
    assert "90th percentile by station" in page
    assert "90th percentile by hour of day" in page


async def test_the_charts_colour_each_group_by_its_own_verdict(client, chief):
    await sign_in(client, chief)

    page = (await client.get("/reports", params={"interval": "call_processing"})).text

    station_chart = page[page.index("by station") : page.index("by hour of day")]
    assert station_chart.count('fill="#1d6b34"') == 1  # S1 within 64 s
    assert station_chart.count('fill="#a4161a"') == 1  # S2 over it
    assert "target 1:04" in station_chart


async def test_names_from_data_are_escaped(client, chief):
    await sign_in(client, chief)

    page = (await client.get("/reports", params={"group_by": "unit"})).text

    assert "&lt;b&gt;M1" in page
    assert "<b>M1" not in page


async def test_bad_filters_show_the_page_with_the_reason(client, chief):
    await sign_in(client, chief)

    bad_date = await client.get("/reports", params={"from": "someday"})
    unknown_type = await client.get("/reports", params={"type": "NOPE"})

    assert bad_date.status_code == 422
    assert "Check these filters: from." in bad_date.text
    assert unknown_type.status_code == 422
    assert "NOPE" in unknown_type.text


async def test_the_table_downloads_as_csv_with_the_same_session(client, chief):
    await sign_in(client, chief)
    page = (await client.get("/reports", params={"group_by": "type"})).text
    link = re.search(r'<a href="([^"]+)">Download this table', page)
    assert link is not None

    response = await client.get(link.group(1).replace("&amp;", "&"))

    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["key"] for r in rows if r["group_by"] == "type"} == {"MED", "FIRE"}


def test_durations_read_as_people_say_them():
    assert duration(None) == "\u2013"
    assert duration(44.6) == "45 s"
    assert duration(245) == "4:05"
    assert duration(3725) == "1 h 02 min"


def test_a_chart_carries_its_figures_as_text_and_escapes_labels():
    chart = Chart(
        title="Travel <by> unit",
        bars=[Bar("E1", 200.0), Bar("<x>", 300.0), Bar("none", None)],
        target=240.0,
    )

    for svg in (horizontal_bars(chart), columns(chart)):
        assert "<desc" in svg
        assert "target 4:00; E1: 3:20; &lt;x&gt;: 5:00; none: \u2013" in svg
        assert "<x>" not in svg
        assert "Travel &lt;by&gt; unit" in svg


def test_a_tile_says_its_target_or_that_targets_differ_by_call():
    common = {"count": 3, "mean": 50.0, "median": 45.0, "p90": 60.0}
    single = IntervalStats(
        **common,
        target_s=64.0,
        target_percentile=0.9,
        within_target=1.0,
        meets_target=True,
        tiers=[TargetTier(target_s=64.0, percentile=0.9, within=1.0)],
    )
    mixed = IntervalStats(
        **common,
        target_s=None,
        target_percentile=None,
        within_target=0.5,
        meets_target=False,
        tiers=[TargetTier(target_s=None, percentile=0.9, within=0.5)],
    )

    dot = " \u00b7 "
    assert tile_hint(single) == dot.join(
        ["target 1:04 at 90 %", "100.0 % within", "3 counted", "median 45 s"]
    )
    assert tile_hint(mixed) == dot.join(
        ["targets by kind of call", "50.0 % within", "3 counted", "median 45 s"]
    )
