"""Several departments' units ranked together, each by its own department's rules."""

import random
from dataclasses import replace
from datetime import UTC, datetime

from muster.dispatch.merged import MergedSource
from muster.dispatch.recommend import (
    Candidate,
    Need,
    Point,
    Rules,
    ScanSource,
    brute_force,
    recommend_with,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TARGET = Point(47.37, 8.54)
NEEDS = [Need("engine", 3), Need("ladder", 2)]


def _units(department: str, seed: int, count: int = 12) -> list[Candidate]:
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    return [
        Candidate(
            unit_id=f"{department}-{n}",
            name=f"{department.upper()}{n}",
            department_id=department,
            capabilities=frozenset({rng.choice(["engine", "ladder"])}),
            status=rng.choice(["available", "available", "dispatched"]),
            lat=TARGET.lat + rng.uniform(-0.1, 0.1),
            lon=TARGET.lon + rng.uniform(-0.1, 0.1),
            position_at=NOW,
        )
        for n in range(count)
    ]


def test_merge_under_one_rule_set_equals_a_scan_of_all_units():
    rules = Rules(now=NOW)
    for seed in range(20):
        a, b = _units("a", seed), _units("b", seed + 1000)
        merged = MergedSource([(ScanSource(a), rules), (ScanSource(b), rules)])

        found = recommend_with(merged, NEEDS, TARGET, rules)

        expected = brute_force(a + b, NEEDS, (TARGET.lat, TARGET.lon), rules)
        assert found.picks == expected.picks
        assert found.shortfalls == expected.shortfalls


def test_each_department_is_ranked_by_its_own_turnout():
    rules = Rules(now=NOW, turnout_s=60)
    near = replace(_units("slow", 1, 1)[0], lat=TARGET.lat, lon=TARGET.lon)
    near = replace(near, capabilities=frozenset({"engine"}), status="available")
    far = replace(near, unit_id="fast-0", name="FAST0", department_id="fast")
    far = replace(far, lat=TARGET.lat + 0.01)
    slow_rules = replace(rules, turnout_s=900)
    merged = MergedSource(
        [(ScanSource([near]), slow_rules), (ScanSource([far]), rules)]
    )

    found = recommend_with(merged, [Need("engine", 1)], TARGET, rules)

    assert [p.unit_id for p in found.picks] == ["fast-0"]
    assert found.picks[0].eta_s < 900
