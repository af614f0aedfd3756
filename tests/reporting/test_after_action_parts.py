"""The pieces of the after-action review that need no database: event lines,
text for PDF fonts, content negotiation, the tracks map and formats."""

import ast
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import muster
from muster.core.http import negotiate
from muster.messaging.schemas import DeliveryStatus
from muster.reporting.after_action_format import NONE, duration
from muster.reporting.after_action_loading import Fix, Names
from muster.reporting.after_action_schemas import StationBrief
from muster.reporting.event_lines import describe, known_kinds
from muster.reporting.pdf_text import ENCODING, built_in_safe, printable
from muster.reporting.track_map import (
    HEIGHT,
    MAX_POINTS,
    WIDTH,
    TrackInput,
    build_tracks,
    layout_map,
    render_svg,
)
from muster.web.app import JOB_HANDLERS, RECURRING_JOBS

SOURCE = Path(muster.__file__).parent
EVENT_NOUNS = {
    "incident",
    "assignment",
    "unit",
    "member",
    "message",
    "delivery",
    "mutual_aid",
    "department",
    "station",
    "token",
    "endpoint",
    "incident_type",
    "unit_type",
    "response_plan",
    "dispatch",
    "report_profile",
}
KIND = re.compile(r"^([a-z_]+)\.[a-z_]+$")
NAMES = Names(
    members={"m1": "Alex Doe"},
    units={"u1": "E1"},
    assignments={"a1": "E1"},
    departments={"d2": "Valley FD"},
)


def _kinds_in_source() -> set[str]:
    """Every dotted string in the source whose noun is an event's, less the
    job kinds, plus ``delivery.<status>`` for each status a delivery reaches."""
    found = set()
    for path in SOURCE.rglob("*.py"):
        if path.name.startswith("event_lines"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                match = KIND.match(node.value)
                if match and match.group(1) in EVENT_NOUNS:
                    found.add(node.value)
    jobs = set(JOB_HANDLERS) | set(RECURRING_JOBS) | {"mutual_aid.expire"}
    statuses = {f"delivery.{s}" for s in DeliveryStatus if s != DeliveryStatus.QUEUED}
    return (found - jobs) | statuses


def test_every_event_kind_in_the_code_has_its_own_line():
    kinds = _kinds_in_source()

    assert {"incident.created", "assignment.escalated", "delivery.failed"} <= kinds
    assert kinds - known_kinds() == set()
    assert known_kinds() - kinds == set()


@pytest.mark.parametrize("kind", sorted(known_kinds()))
@pytest.mark.parametrize(
    "data",
    [
        {},
        {"from": None, "to": [], "changes": "x", "next": 3, "units": {}, "data": 1},
        {"unit_id": "u1", "member_id": "m1", "assignment_id": "a1", "name": 5},
    ],
)
def test_every_line_survives_missing_and_odd_fields(kind, data):
    line = describe(kind, data, NAMES)

    assert isinstance(line, str)
    assert line.strip()


@pytest.mark.parametrize(
    ("kind", "data", "expected"),
    [
        ("widget.exploded", {}, "Widget: exploded"),
        ("odd", {}, "Odd: recorded"),
        (
            "assignment.escalated",
            {"assignment_id": "a1", "cause": "unanswered", "shortfall": "no engine"},
            "Assignment of E1 escalated (unanswered); no candidate: no engine",
        ),
        (
            "assignment.acknowledged",
            {"unit_id": "u1", "implicit": True},
            "E1 acknowledged by moving: responding",
        ),
        (
            "delivery.failed",
            {"member_id": "m1", "channel": "sms", "attempts": 5, "error": "busy"},
            "Sms delivery to Alex Doe failed after 5 attempt(s): busy",
        ),
        (
            "mutual_aid.declined",
            {"unit_name": "V1", "provider_department_id": "d2", "reason": "busy"},
            "Mutual-aid request for V1 of Valley FD declined: busy",
        ),
        (
            "incident.updated",
            {"changes": {"priority": 1, "description": "x" * 60}},
            "Incident changed: description, priority 1",
        ),
        ("unit.status_changed", {"unit_id": "zz9", "to": "en_route"}, None),
        (
            "member.status_changed",
            {
                "member_id": "m1",
                "from": "available",
                "to": "responding",
                "eta_at": "2026-05-04T14:07:00+02:00",
            },
            "Alex Doe: available to responding, expected at 12:07:00 UTC",
        ),
        (
            "member.status_changed",
            {"member": "Kim", "to": "on_scene", "eta_at": "soon"},
            "Kim: none to on scene",
        ),
        (
            "incident.note_added",
            {"text": "line one\nline two " + "y" * 200},
            None,
        ),
    ],
)
def test_lines_read_their_payloads(kind, data, expected):
    line = describe(kind, data, NAMES)

    if expected is not None:
        assert line == expected
    elif kind == "unit.status_changed":
        assert line == "a unit (zz9): none to en route"
    else:
        assert line.startswith("Note: “line one line two yyy")
        assert line.endswith("…”")
        assert len(line) < 180


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Привет — café ✓", "?????? — café v"),
        ("Łódź Győr Ørsted", "Lódz Gyor Ørsted"),
        ("“quoted” … €5 → there", "“quoted” … €5 -> there"),
        ("tab\there\nnew\x00line\x1b\x85", "tab\there\nnewline"),
        ("日本", "??"),
    ],
)
def test_built_in_safe_keeps_what_the_font_can_print(text, expected):
    safe = built_in_safe(text)

    assert safe == expected
    safe.encode(ENCODING)


def test_printable_drops_only_control_characters():
    assert printable("Привет\x00 ✓\n") == "Привет ✓\n"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "a/json"),
        ("", "a/json"),
        ("b/html", "b/html"),
        ("b/*", "b/html"),
        ("*/*;q=0.2, c/pdf", "c/pdf"),
        ("c/pdf;q=0.4, b/html;q=0.4", "b/html"),
        ("c/pdf;q=oops, b/html;q=0.1", "b/html"),
        ("c/pdf;q=7", None),
        ("image/png", None),
        ("a/json;q=0", None),
        ("garbage", None),
    ],
)
def test_negotiate_picks_the_preferred_offer(accept, expected):
    assert negotiate(accept, ("a/json", "b/html", "c/pdf")) == expected


def _fixes(count: int) -> list[Fix]:
    start = datetime(2026, 5, 4, 12, tzinfo=UTC)
    return [
        Fix(start + timedelta(seconds=i), 37.77 + i * 1e-5, -122.42 + i * 1e-5)
        for i in range(count)
    ]


def test_long_track_is_thinned_but_counts_every_report():
    fixes = _fixes(MAX_POINTS * 3 + 7)

    [feature] = build_tracks([TrackInput("a1", "u1", "E1", fixes)]).features

    coordinates = feature.geometry.coordinates
    assert len(coordinates) == MAX_POINTS
    assert coordinates[0] == [fixes[0].lon, fixes[0].lat]
    assert coordinates[-1] == [fixes[-1].lon, fixes[-1].lat]
    assert feature.properties.points == len(fixes)
    assert feature.properties.end == fixes[-1].at


def test_track_of_one_report_is_a_point_and_none_is_left_out():
    tracks = build_tracks(
        [TrackInput("a1", "u1", "E1", _fixes(1)), TrackInput("a2", "u2", "E2", [])]
    )

    [feature] = tracks.features
    assert feature.geometry.type == "Point"
    assert feature.properties.distance_m == 0


def test_map_keeps_everything_inside_with_a_round_scale():
    tracks = build_tracks([TrackInput("a1", "u1", "<E1>", _fixes(50))])
    station = StationBrief(id="s", code="ST&1", name="x", lat=37.76, lon=-122.43)

    layout = layout_map(
        incident=(37.7795, -122.4195), stations=[station], tracks=tracks
    )

    points = [p for line in layout.lines for p in line.points]
    points += [(m.x, m.y) for m in layout.markers]
    assert all(0 < x < WIDTH and 0 < y < HEIGHT for x, y in points)
    assert re.fullmatch(r"(1|2|5)(0*) (m|km)", layout.scale_label)
    assert 0 < layout.scale_length <= WIDTH / 4
    svg = render_svg(layout)
    assert "&lt;E1&gt;" in svg
    assert "ST&amp;1" in svg
    assert "<E1>" not in svg


def test_map_of_a_lone_incident_still_has_a_scale():
    layout = layout_map(incident=(0.0, 0.0), stations=[], tracks=build_tracks([]))

    assert [(m.x, m.y) for m in layout.markers] == [(WIDTH / 2, HEIGHT / 2)]
    assert layout.scale_label == "100 m"
    assert "<polyline" not in render_svg(layout)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (None, NONE),
        (0, "0:00"),
        (64, "1:04"),
        (59.6, "1:00"),
        (3725, "1:02:05"),
        (-5, "-0:05"),
    ],
)
def test_duration_reads_as_minutes_and_seconds(seconds, expected):
    assert duration(seconds) == expected
