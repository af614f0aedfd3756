"""Reading the dataset's headers, times, locations and priorities."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from muster.reporting.calls_csv import (
    RowError,
    normalise_header,
    parse_location,
    parse_time,
)
from muster.reporting.calls_mapping import category_of, code_of, priority_of

LA = ZoneInfo("America/Los_Angeles")


@pytest.mark.parametrize("header", ["Received DtTm", "received_dttm", "RECEIVED-DTTM"])
def test_normalise_header_matches_export_variants(header):
    assert normalise_header(header) == "receiveddttm"


@pytest.mark.parametrize(
    "text",
    [
        "12/31/2016 11:57:56 PM",
        "2016-12-31T23:57:56.000",
        "2016-12-31T23:57:56",
        "2017-01-01T07:57:56Z",
    ],
)
def test_parse_time_reads_local_and_iso_forms(text):
    assert parse_time(text, LA) == datetime(2017, 1, 1, 7, 57, 56, tzinfo=UTC)


def test_parse_time_blank_is_none_and_garbage_is_an_error():
    assert parse_time("  ", LA) is None
    with pytest.raises(RowError):
        parse_time("yesterday", LA)


@pytest.mark.parametrize(
    "row",
    [
        {"location": "(37.5, -122.25)"},
        {"location": "POINT (-122.25 37.5)"},
        {"latitude": "37.5", "longitude": "-122.25"},
    ],
)
def test_parse_location_reads_pair_point_and_columns(row):
    assert parse_location(row) == (37.5, -122.25)


@pytest.mark.parametrize("row", [{"location": ""}, {"location": "(91.0, 0.0)"}])
def test_parse_location_missing_or_out_of_range_is_an_error(row):
    with pytest.raises(RowError):
        parse_location(row)


@pytest.mark.parametrize(
    ("code", "priority"),
    [("3", 1), ("E", 1), ("A", 2), ("2", 3), ("B", 3), ("1", 4), ("C", 4), ("", 3)],
)
def test_priority_of_maps_dataset_codes(code, priority):
    assert priority_of(code) == priority


def test_codes_and_categories_of_dataset_names():
    assert code_of("Gas Leak (Natural and LP Gases)") == "GAS_LEAK_NATURAL_AND_LP_GASES"
    assert category_of("Potentially Life-Threatening") == "ems"
    assert category_of("Alarm") == "fire"
    assert category_of("") == "other"
