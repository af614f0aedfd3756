"""Settings, ids, geometry, cursors and the priority matrix."""

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from muster.core import clock
from muster.core.errors import ValidationFailed
from muster.core.geo import bounding_box, distance_m
from muster.core.http import parse_if_match
from muster.core.ids import new_id
from muster.core.pagination import decode_cursor, encode_cursor
from muster.core.settings import Environment, Settings, to_async_url
from muster.incidents.lifecycle import Level, priority_from


def test_settings_production_refuses_placeholder_secret():
    with pytest.raises(ValidationError, match="MUSTER_SECRET_KEY"):
        Settings(env=Environment.PRODUCTION)


def test_settings_production_accepts_long_secret():
    settings = Settings(env=Environment.PRODUCTION, secret_key="s" * 40)

    assert settings.env is Environment.PRODUCTION


def test_settings_refuse_a_pdf_font_that_is_not_a_file(tmp_path):
    with pytest.raises(ValidationError, match="pdf_font"):
        Settings(pdf_font=tmp_path / "missing.ttf")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("sqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
    ],
)
def test_to_async_url_maps_plain_urls_to_async_drivers(given, expected):
    assert to_async_url(given) == expected


def test_new_id_is_time_ordered_uuid7():
    first, second = new_id(), new_id()

    assert uuid.UUID(first).version == 7
    assert first[:8] <= second[:8]
    assert first != second


def test_distance_m_matches_known_distance():
    # San Francisco City Hall to the Ferry Building: about 2.9 km.
    metres = distance_m(37.7793, -122.4193, 37.7955, -122.3937)

    assert 2_800 < metres < 3_000


def test_bounding_box_contains_circle():
    min_lat, max_lat, min_lon, max_lon = bounding_box(60.0, 10.0, 1_000)

    assert distance_m(60.0, 10.0, max_lat, 10.0) == pytest.approx(1_000, rel=1e-3)
    assert distance_m(60.0, 10.0, 60.0, max_lon) >= 999
    assert min_lat < 60.0 < max_lat
    assert min_lon < 10.0 < max_lon


def test_cursor_round_trips_and_rejects_garbage():
    cursor = encode_cursor("2026-01-01T00:00:00+00:00", "abc")

    assert decode_cursor(cursor, size=2) == ["2026-01-01T00:00:00+00:00", "abc"]
    with pytest.raises(ValidationFailed):
        decode_cursor("!!!", size=2)
    with pytest.raises(ValidationFailed):
        decode_cursor(encode_cursor("only-one"), size=2)


@pytest.mark.parametrize(
    ("header", "version"),
    [("3", 3), ('"3"', 3), ('W/"12"', 12), ("*", None), (None, None)],
)
def test_parse_if_match_reads_versions(header, version):
    assert parse_if_match(header) == version


@pytest.mark.parametrize(
    ("impact", "urgency", "priority"),
    [
        (Level.HIGH, Level.HIGH, 1),
        (Level.HIGH, Level.LOW, 3),
        (Level.LOW, Level.HIGH, 3),
        (Level.LOW, Level.LOW, 5),
        (Level.MEDIUM, None, 3),
        (None, Level.HIGH, 2),
        (None, None, 4),
    ],
)
def test_priority_from_impact_urgency_matrix(impact, urgency, priority):
    assert priority_from(impact, urgency, default=4) == priority


def test_clock_can_be_frozen():
    frozen = datetime(2030, 1, 1, tzinfo=UTC)
    clock.set_clock(lambda: frozen)
    try:
        assert clock.now() == frozen
    finally:
        clock.set_clock(None)
    assert clock.now() > frozen.replace(year=2020)
