"""Response-time intervals on hand-made incidents whose answers are known."""

from datetime import UTC, datetime

import pytest

from muster.core.db import transaction
from muster.reporting import service as report_service
from muster.reporting.local_time import ShiftRotation
from muster.reporting.schemas import GroupBy, ReportQuery
from tests.factories.org import make_department
from tests.factories.reporting import Call, Crew, add_calls, make_place

T = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)  # 10:00 in Los Angeles
ROTATION = ShiftRotation()


def _week() -> list[Call]:
    return [
        # EMS: two units; M1 first on scene, E1 later.
        Call(
            at=T,
            type="MED",
            station="S1",
            dispatched=30,
            on_scene=300,
            crews=[
                Crew("M1", dispatched=30, en_route=75, on_scene=300, cleared=1800),
                Crew("E1", dispatched=40, en_route=100, on_scene=400, cleared=1000),
            ],
        ),
        # Fire, call processing exactly on target, slow turnout and travel.
        Call(
            at=T.replace(hour=19),
            type="FIRE",
            priority=2,
            station="S2",
            dispatched=64,
            on_scene=500,
            crews=[Crew("E1", dispatched=64, en_route=164, on_scene=500, cleared=2000)],
        ),
        # Never dispatched: no intervals at all.
        Call(at=T.replace(hour=20), type="FIRE", station="S2"),
        # Zero-length call processing and turnout count; a negative travel and
        # total response (clock error) are left out.
        Call(
            at=T.replace(hour=21),
            type="MED",
            dispatched=0,
            on_scene=-5,
            crews=[Crew("M1", dispatched=0, en_route=0, on_scene=-10, cleared=600)],
        ),
    ]


async def _report(sessions, department_id, **query):
    async with transaction(sessions) as session:
        return await report_service.response_times(
            session,
            department_id=department_id,
            query=ReportQuery(**query),
            rotation=ROTATION,
        )


@pytest.fixture
async def week(sessions):
    department_id, _ = await make_department(sessions, timezone="America/Los_Angeles")
    place = await make_place(sessions, department_id)
    await add_calls(sessions, place, *_week())
    return department_id


async def test_call_processing_counts_once_per_incident_with_zero_length(
    sessions, week
):
    report = await _report(sessions, week)

    cp = report.intervals["call_processing"]
    assert (cp.count, cp.mean, cp.median, cp.p90) == (3, 31.3, 30, pytest.approx(57.2))
    assert (cp.target_s, cp.target_percentile, cp.within_target) == (64, 0.9, 1.0)
    assert [(t.target_s, t.percentile, t.within) for t in cp.tiers] == [
        (64, 0.9, 1.0),
        (106, 0.95, 1.0),
    ]
    assert cp.meets_target is True


async def test_turnout_counts_each_assignment_against_its_category(sessions, week):
    report = await _report(sessions, week)

    turnout = report.intervals["turnout"]
    assert (turnout.count, turnout.median, turnout.p90) == (4, 52.5, pytest.approx(88))
    assert turnout.mean == pytest.approx(51.25, abs=0.05)
    assert turnout.target_s is None  # EMS (60 s) and fire (80 s) together
    assert turnout.within_target == 0.75
    assert turnout.meets_target is False


async def test_travel_holds_first_unit_to_240_and_later_ones_to_480(sessions, week):
    report = await _report(sessions, week)

    travel = report.intervals["travel"]
    assert (travel.count, travel.median, travel.p90) == (3, 300, pytest.approx(328.8))
    assert travel.within_target == pytest.approx(2 / 3, abs=1e-4)


async def test_total_response_leaves_out_negative_and_missing(sessions, week):
    report = await _report(sessions, week)

    total = report.intervals["total_response"]
    assert (total.count, total.mean, total.median, total.p90) == (2, 400, 400, 480)
    assert total.within_target == 0.5


async def test_committed_is_dispatched_to_cleared_per_unit(sessions, week):
    report = await _report(sessions, week, group_by=GroupBy.UNIT)

    by_unit = {g.key: g.intervals for g in report.groups}
    assert sorted(by_unit) == ["E1", "M1"]
    assert by_unit["E1"]["committed"].count == 2
    assert by_unit["E1"]["committed"].mean == (960 + 1936) / 2
    assert by_unit["M1"]["committed"].median == (1770 + 600) / 2
    assert by_unit["M1"]["call_processing"].count == 0
    assert report.intervals["committed"].count == 4
    assert report.intervals["call_processing"].count == 3


async def test_group_by_type_splits_targets(sessions, week):
    report = await _report(sessions, week, group_by=GroupBy.TYPE)

    by_type = {g.key: g.intervals for g in report.groups}
    assert by_type["MED"]["turnout"].target_s == 60
    assert by_type["MED"]["turnout"].count == 3
    assert by_type["FIRE"]["turnout"].target_s == 80
    assert by_type["FIRE"]["turnout"].within_target == 0.0
    assert by_type["FIRE"]["call_processing"].count == 1


async def test_group_by_station_puts_unknown_last(sessions, week):
    report = await _report(sessions, week, group_by=GroupBy.STATION)

    assert [g.key for g in report.groups] == ["S1", "S2", None]
    assert report.groups[1].intervals["call_processing"].median == 64


async def test_group_by_type_orders_keys_by_name(sessions, week):
    report = await _report(sessions, week, group_by=GroupBy.TYPE)

    assert [g.key for g in report.groups] == ["FIRE", "MED"]


async def test_group_by_hour_uses_department_time_zone(sessions, week):
    report = await _report(sessions, week, group_by=GroupBy.HOUR)

    hours = [(g.key, g.intervals["call_processing"].count) for g in report.groups]
    assert hours == [(10, 1), (11, 1), (13, 1)]  # 18:00 UTC: 10:00 PST


async def test_hour_bucketing_follows_daylight_saving(sessions):
    department_id, _ = await make_department(sessions, timezone="America/Los_Angeles")
    place = await make_place(sessions, department_id)
    # 2026-03-08: clocks go from 02:00 PST to 03:00 PDT (10:00 UTC).
    before = datetime(2026, 3, 8, 9, 59, 59, tzinfo=UTC)
    after = datetime(2026, 3, 8, 10, 0, 0, tzinfo=UTC)
    await add_calls(
        sessions,
        place,
        Call(at=before, dispatched=10),
        Call(at=after, dispatched=20),
    )

    report = await _report(sessions, department_id, group_by=GroupBy.HOUR)

    hours = {g.key: g.intervals["call_processing"].mean for g in report.groups}
    assert hours == {1: 10, 3: 20}


async def test_group_by_shift_rotates_daily_at_change_hour(sessions, week):
    report = await _report(sessions, week, group_by=GroupBy.SHIFT)

    # 2026-03-02 08:00 local starts day 60 after the 2026-01-01 anchor: 60 % 3 = 0.
    shifts = {g.key: g.intervals["call_processing"].count for g in report.groups}
    assert shifts == {"A": 3}


async def test_filters_by_period_type_and_priority(sessions, week):
    fire = await _report(sessions, week, type_code="FIRE")
    urgent = await _report(sessions, week, priority=2)
    # Bounds without an offset are the department's wall clock.
    morning = await _report(
        sessions,
        week,
        start=datetime.fromisoformat("2026-03-02T10:00"),
        end=datetime.fromisoformat("2026-03-02T11:00"),
    )

    assert fire.intervals["call_processing"].count == 1
    assert urgent.intervals["turnout"].count == 1
    assert morning.intervals["call_processing"].count == 1
    assert morning.from_ == T


async def test_empty_department_reports_nothing(sessions):
    department_id, _ = await make_department(sessions)

    report = await _report(sessions, department_id, group_by=GroupBy.HOUR)

    assert report.intervals["turnout"].count == 0
    assert report.intervals["turnout"].median is None
    assert report.intervals["turnout"].within_target is None
    assert report.groups == []
