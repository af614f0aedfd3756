"""How a calls-for-service file's terms become Muster's: codes, priorities,
categories, and rows gathered into calls.

Priorities. The dataset's codes are mapped to Muster's 1 (most urgent) to 5:
``3`` (emergency, lights and siren) and ``E`` (emergency, an older code) are
1; ``A`` is 2; ``2`` (non-emergency) and ``B`` are 3; ``1`` and ``C`` are 4;
anything else takes 3, the imported types' default.

Categories. ``Call Type Group`` says how the call was triaged: the two
life-threatening groups are EMS (``ems``), ``Alarm`` and ``Fire`` are fire
(``fire``), anything else ``other``. A call type takes the category most of
its rows carry.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from muster.reporting.calls_csv import UnitRow

PRIORITIES = {"3": 1, "E": 1, "A": 2, "2": 3, "B": 3, "1": 4, "C": 4}
DEFAULT_PRIORITY = 3
CATEGORIES = {
    "potentiallylifethreatening": "ems",
    "nonlifethreatening": "ems",
    "alarm": "fire",
    "fire": "fire",
}


def code_of(name: str) -> str:
    """A code for a name: letters and digits in upper case, ``_`` between."""
    words = re.findall(r"[A-Za-z0-9]+", name)
    return "_".join(words).upper()[:32] or "UNKNOWN"


def capability_of(unit_type: str) -> str:
    return code_of(unit_type).lower()


def priority_of(code: str | None) -> int:
    return PRIORITIES.get((code or "").strip().upper(), DEFAULT_PRIORITY)


def category_of(group: str) -> str:
    return CATEGORIES.get(re.sub(r"[^a-z]", "", group.lower()), "other")


@dataclass
class CallRecord:
    """One call and the units sent to it, from its rows."""

    first: UnitRow
    units: list[UnitRow] = field(default_factory=list)

    @property
    def number(self) -> str:
        return (self.first.incident_number or self.first.call_number)[:16]

    @property
    def dispatched_at(self) -> datetime:
        return min(u.dispatched for u in self.units)

    def first_time(self, name: str) -> datetime | None:
        times = [t for u in self.units if (t := getattr(u, name)) is not None]
        return min(times, default=None)

    @property
    def closed_at(self) -> datetime:
        times = [self.first.received, *(cleared_at(u) for u in self.units)]
        return max(times)


def cleared_at(row: UnitRow) -> datetime:
    """When the unit was available again; without that, its last known time."""
    if row.available is not None:
        return row.available
    known = [row.dispatched, row.en_route, row.on_scene]
    return max(t for t in known if t is not None)


def gather(rows: list[UnitRow], skipped: Counter[str]) -> dict[str, CallRecord]:
    """Rows by call number, in file order; a unit listed twice in a call counts
    as skipped."""
    calls: dict[str, CallRecord] = {}
    for row in rows:
        record = calls.setdefault(row.call_number, CallRecord(first=row))
        if any(u.unit_id == row.unit_id for u in record.units):
            skipped["unit listed twice in a call"] += 1
            continue
        record.units.append(row)
    return calls


def type_categories(calls: dict[str, CallRecord]) -> dict[str, tuple[str, str]]:
    """Call type code to (name, most common category)."""
    seen: dict[str, Counter[str]] = {}
    names: dict[str, str] = {}
    for record in calls.values():
        for row in record.units:
            code = code_of(row.call_type)
            names.setdefault(code, row.call_type)
            seen.setdefault(code, Counter())[category_of(row.call_type_group)] += 1
    return {code: (names[code], seen[code].most_common(1)[0][0]) for code in seen}
