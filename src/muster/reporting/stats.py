"""Interval statistics from histograms.

The database hands back, per group and interval, how many rows fell in each
bucket (whole seconds up to ten minutes, coarser beyond; values are rounded
up, so a report never flatters a response and a whole-second target is met
exactly when the rounded value meets it) and the exact sum of their values.
Means are exact; percentiles interpolate linearly between closest ranks, as
PostgreSQL's ``percentile_cont`` does, over the rounded values. Source systems
record whole seconds, so below ten minutes all of it is exact.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from muster.reporting.targets import Interval, Profile, RowClass


@dataclass(slots=True)
class Histogram:
    """Counts per (row class, whole second) and the exact sum of the values."""

    counts: dict[tuple[RowClass, int], int] = field(default_factory=dict)
    total: float = 0.0

    def add(self, row_class: RowClass, second: int, count: int, total: float) -> None:
        key = (row_class, second)
        self.counts[key] = self.counts.get(key, 0) + count
        self.total += total

    def merge(self, other: "Histogram") -> None:
        for (row_class, second), count in other.counts.items():
            self.add(row_class, second, count, 0.0)
        self.total += other.total

    @property
    def count(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class TierResult:
    target_s: float | None
    share: float
    within: float | None


@dataclass(frozen=True, slots=True)
class IntervalResult:
    count: int
    mean: float | None
    median: float | None
    p90: float | None
    tiers: tuple[TierResult, ...]


def percentile(values: list[tuple[int, int]], fraction: float) -> float | None:
    """The ``fraction`` percentile of sorted (value, count) pairs, interpolated."""
    n = sum(count for _, count in values)
    if n == 0:
        return None
    rank = fraction * (n - 1)
    low, high = math.floor(rank), math.ceil(rank)
    low_value = high_value = None
    seen = 0
    for value, count in values:
        seen += count
        if low_value is None and seen > low:
            low_value = value
        if seen > high:
            high_value = value
            break
    assert low_value is not None  # noqa: S101 - n > low, so the loop found it
    assert high_value is not None  # noqa: S101 - n > high, likewise
    return low_value + (rank - low) * (high_value - low_value)


def _tier_results(
    histogram: Histogram, profile: Profile, interval: Interval
) -> tuple[TierResult, ...]:
    classes = {row_class for row_class, _ in histogram.counts}
    depth = max((len(profile.tiers(interval, c)) for c in RowClass), default=0)
    results = []
    for index in range(depth):
        seconds = {
            tiers[index].seconds
            for c in classes
            if len(tiers := profile.tiers(interval, c)) > index
        }
        share = next(
            t[index].share
            for c in RowClass
            if len(t := profile.tiers(interval, c)) > index
        )
        results.append(
            TierResult(
                target_s=seconds.pop() if len(seconds) == 1 else None,
                share=share,
                within=_within(histogram, profile, interval, index),
            )
        )
    return tuple(results)


def _within(
    histogram: Histogram, profile: Profile, interval: Interval, index: int
) -> float | None:
    held = met = 0
    for (row_class, second), count in histogram.counts.items():
        tiers = profile.tiers(interval, row_class)
        if len(tiers) <= index:
            continue
        held += count
        met += count if second <= tiers[index].seconds else 0
    return met / held if held else None


def summarise(
    histogram: Histogram, profile: Profile, interval: Interval
) -> IntervalResult:
    """Count, mean, median, 90th percentile and each target tier's share met."""
    by_second: dict[int, int] = {}
    for (_, second), count in histogram.counts.items():
        by_second[second] = by_second.get(second, 0) + count
    values = sorted(by_second.items())
    count = sum(by_second.values())
    return IntervalResult(
        count=count,
        mean=histogram.total / count if count else None,
        median=percentile(values, 0.5),
        p90=percentile(values, 0.9),
        tiers=_tier_results(histogram, profile, interval),
    )


def merged(histograms: Iterable[Histogram]) -> Histogram:
    total = Histogram()
    for histogram in histograms:
        total.merge(histogram)
    return total
