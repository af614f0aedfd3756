"""The workload report's rules on plain values: periods, unions, local weeks,
strain, tracks and nearby calls."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from muster.core.geo import distance_m
from muster.reporting.timeline import Period, hours_per_week, merged, strain
from muster.reporting.tracks import Call, NearbyCalls, Track, TrackRules
from muster.reporting.workload import resolve_period
from muster.reporting.workload_schemas import UtilizationQuery

T = datetime(2026, 3, 1, tzinfo=UTC)  # a Sunday


def at(hours: float) -> datetime:
    return T + timedelta(hours=hours)


def test_clip_keeps_the_part_inside_and_runs_open_work_to_the_end():
    period = Period(at(0), at(10))

    assert period.clip(at(-5), at(2)) == (at(0), at(2))
    assert period.clip(at(8), None) == (at(8), at(10))
    assert period.clip(at(-5), at(0)) is None
    assert period.clip(at(10), at(12)) is None


def test_merged_counts_overlaps_once_and_keeps_gaps():
    spans = [(at(0), at(2)), (at(1), at(3)), (at(3), at(4)), (at(6), at(7))]

    assert list(merged(spans)) == [(at(0), at(4)), (at(6), at(7))]


def test_hours_per_week_splits_at_local_monday_midnight():
    zone = ZoneInfo("America/Los_Angeles")  # Monday 00:00 there is 08:00 UTC
    span = (at(20), at(34))  # Sunday 20:00 to Monday 10:00 UTC

    weeks = hours_per_week([span], zone)

    assert weeks == {date(2026, 2, 23): 12.0, date(2026, 3, 2): 2.0}


def test_strain_counts_time_below_threshold_and_its_stretches():
    found = strain(
        2,
        ups=[at(4).timestamp(), at(9).timestamp()],
        downs=[at(0).timestamp(), at(6).timestamp(), at(7).timestamp()],
        threshold=2,
        period=(at(0).timestamp(), at(10).timestamp()),
    )

    # 1 from 0 to 4, 2 to 6, 1 to 7, 0 to 9, 1 to 10.
    assert found.seconds == (4 + 4) * 3600
    assert (found.episodes, found.lowest) == (2, 0)


def test_strain_without_changes_is_the_initial_count_throughout():
    found = strain(1, [], [], threshold=1, period=(0.0, 3600.0))

    assert (found.seconds, found.episodes, found.lowest) == (0, 0, 1)


Fix = tuple[datetime, float, float, float | None]


def _track(*fixes: Fix) -> Track:
    track = Track(TrackRules(max_speed_kmh=200, max_accuracy_m=50))
    for when, lat, lon, accuracy in fixes:
        track.add(when.timestamp(), lat, lon, accuracy)
    return track


def test_track_drops_a_jump_and_starts_again_from_the_new_fix():
    track = _track(
        (at(0), 37.0, -122.0, None),
        (at(0.1), 37.01, -122.0, None),  # about 11 km/h
        (at(0.11), 40.0, -122.0, None),  # a jump
        (at(0.2), 40.01, -122.0, None),
    )

    leg = distance_m(37.0, -122.0, 37.01, -122.0)
    assert track.metres == leg + distance_m(40.0, -122.0, 40.01, -122.0)


def test_track_skips_rough_fixes_and_counts_repeats():
    track = _track(
        (at(0), 37.0, -122.0, 10),
        (at(0), 37.0, -122.0, 10),
        (at(0.1), 37.5, -122.0, 51),
        (at(0.2), 37.0, -122.01, 10),
    )

    assert track.metres == distance_m(37.0, -122.0, 37.0, -122.01)
    assert (track.repeats, track.first_repeat_t) == (1, at(0).timestamp())


def _call(name: str, minutes: float, lat: float, kind: str = "MED") -> Call:
    return Call(name, name, kind, lat, -122.0, at(minutes / 60))


def test_nearby_calls_pairs_same_type_near_in_time_and_place():
    calls = NearbyCalls(radius_m=300, window=timedelta(minutes=30))

    found = [
        calls.add(_call("a", 0, 37.0)),
        calls.add(_call("b", 10, 37.001)),  # 111 m, 10 min: pairs with a
        calls.add(_call("c", 12, 37.001, kind="FIRE")),  # another type
        calls.add(_call("d", 15, 37.01)),  # 1.1 km away
        calls.add(_call("e", 41, 37.0)),  # 41 min after a; 31 after b
    ]

    assert [[(p.first.id, p.second.id) for p in pairs] for pairs in found] == [
        [],
        [("a", "b")],
        [],
        [],
        [],
    ]


def test_resolve_period_reads_naive_bounds_in_local_time():
    zone = ZoneInfo("Europe/Berlin")
    query = UtilizationQuery(start=datetime(2026, 3, 1), end=datetime(2026, 3, 2))  # noqa: DTZ001 - naive on purpose

    period = resolve_period(query, zone, now=at(100))

    assert (period.start, period.end) == (at(-1), at(23))
