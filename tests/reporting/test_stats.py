"""Percentiles and target shares from whole-second histograms."""

import pytest

from muster.reporting.stats import Histogram, percentile, summarise
from muster.reporting.targets import NFPA, Interval, RowClass


def test_percentile_of_nothing_is_none():
    assert percentile([], 0.9) is None


def test_percentile_of_one_value_is_that_value():
    assert percentile([(42, 1)], 0.5) == 42
    assert percentile([(42, 1)], 0.9) == 42


def test_percentile_of_two_values_interpolates():
    assert percentile([(10, 1), (20, 1)], 0.5) == 15
    assert percentile([(10, 1), (20, 1)], 0.9) == pytest.approx(19)


def test_percentile_reads_through_repeated_values():
    values = [(1, 3), (5, 1), (9, 6)]  # 1,1,1,5,9,9,9,9,9,9

    assert percentile(values, 0.5) == 9
    assert percentile(values, 0.3) == pytest.approx(1 + 0.7 * 4)


def test_summary_of_empty_histogram_has_no_figures():
    result = summarise(Histogram(), NFPA, Interval.TURNOUT)

    assert (result.count, result.mean, result.median, result.p90) == (
        0,
        None,
        None,
        None,
    )
    assert [t.within for t in result.tiers] == [None]


def test_whole_second_target_is_met_exactly_at_the_target():
    histogram = Histogram()
    histogram.add(RowClass.EMS, 60, 1, 60.0)
    histogram.add(RowClass.EMS, 61, 1, 60.2)  # rounded up: 60.2 s misses 60 s

    result = summarise(histogram, NFPA, Interval.TURNOUT)

    assert result.tiers[0].target_s == 60
    assert result.tiers[0].within == 0.5
    assert result.mean == pytest.approx(60.1)


def test_interval_without_targets_has_no_tiers():
    histogram = Histogram()
    histogram.add(RowClass.ANY, 900, 2, 1800.0)

    result = summarise(histogram, NFPA, Interval.COMMITTED)

    assert result.tiers == ()
    assert result.median == 900
