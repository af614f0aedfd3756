"""What an archive's rows may refer to, and what becomes of references on import.

A row may only name rows of its own archive: a station, unit or incident of
another department already on this instance would otherwise be reachable
through a crafted archive. The one exception is mutual aid, where a row
names the partner's side (the lent unit, the incident it went to); such a
foreign id is accepted only where one of the archive's own mutual-aid
requests names it. On import a foreign reference is kept when the partner's
row is on this instance, and otherwise let go: the link or request is left
out, and a unit's commitment or an assignment's lent unit becomes null.

Members matched by email to accounts already on this instance keep those
accounts' ids, so every column that holds a member id is rewritten.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

# Ids are kept per table to check references and refuse repeats, except for
# position reports: they are the bulk of an archive, nothing refers to them,
# and their primary key refuses a repeated id all the same.
UNTRACKED = frozenset({"position_reports"})

REFERENCES: dict[str, tuple[tuple[str, str], ...]] = {
    "memberships": (("member_id", "members"), ("station_id", "stations")),
    "response_plans": (
        ("incident_type_id", "incident_types"),
        ("station_id", "stations"),
    ),
    "incidents": (
        ("type_id", "incident_types"),
        ("owner_id", "members"),
        ("station_id", "stations"),
    ),
    "units": (("unit_type_id", "unit_types"), ("station_id", "stations")),
    "incident_reports": (("incident_id", "incidents"),),
    "incident_notes": (("incident_id", "incidents"),),
    "assignments": (("incident_id", "incidents"), ("member_id", "members")),
    "contact_methods": (("member_id", "members"),),
    "notification_endpoints": (("station_id", "stations"),),
    "messages": (("incident_id", "incidents"),),
    "deliveries": (
        ("message_id", "messages"),
        ("member_id", "members"),
        ("endpoint_id", "notification_endpoints"),
    ),
    "personnel_status": (("member_id", "members"), ("incident_id", "incidents")),
    "position_reports": (("unit_id", "units"), ("member_id", "members")),
}

MEMBER_COLUMNS: dict[str, tuple[str, ...]] = {
    "memberships": ("member_id",),
    "incidents": ("owner_id",),
    "incident_reports": ("created_by",),
    "incident_notes": ("author_id",),
    "assignments": ("member_id", "created_by"),
    "mutual_aid_requests": ("answered_by",),
    "messages": ("sender_id",),
    "deliveries": ("member_id",),
    "contact_methods": ("member_id",),
    "personnel_status": ("member_id",),
    "position_reports": ("member_id", "reported_by"),
}

JOB_PAYLOAD_REFERENCES = {"assignment_id": "assignments", "delivery_id": "deliveries"}


@dataclass
class Foreign:
    """Ids of the partner's side that the archive's mutual-aid requests name."""

    departments: set[str] = field(default_factory=set)
    units: set[str] = field(default_factory=set)
    incidents: set[str] = field(default_factory=set)
    assignments: set[str] = field(default_factory=set)

    def add_link(self, department_id: str, row: dict[str, Any]) -> None:
        sides = {row["department_id"], row["partner_id"]}
        if department_id not in sides or len(sides) != 2:
            raise ValueError("a link must join this department and another one")
        self.departments |= sides - {department_id}

    def add_request(self, department_id: str, row: dict[str, Any]) -> None:
        if row["department_id"] == row["provider_department_id"]:
            raise ValueError("a department cannot ask itself for aid")
        if row["department_id"] == department_id:
            self.departments.add(row["provider_department_id"])
            self.units.add(row["unit_id"])
        elif row["provider_department_id"] == department_id:
            self.departments.add(row["department_id"])
            self.incidents.add(row["incident_id"])
            self.assignments.add(row["assignment_id"])
        else:
            raise ValueError("the request is not this department's")


@dataclass
class Resolution:
    """What of ``Foreign`` exists on this instance, and what was let go."""

    present: Foreign = field(default_factory=Foreign)
    detached: Counter[str] = field(default_factory=Counter)


class References:
    """Checks each row's references while an archive loads, file by file.

    ``check`` raises ``ValueError`` with a user-safe message for a reference
    the archive cannot make; ``resolve`` rewrites what this instance cannot
    hold and returns ``None`` for a row to leave out.
    """

    def __init__(self, department_id: str, foreign: Foreign) -> None:
        self.department_id = department_id
        self.foreign = foreign
        self.ids: defaultdict[str, set[str]] = defaultdict(set)
        self.member_ids: dict[str, str] = {}
        self.resolution = Resolution()

    def _known(self, table: str, value: str | None, column: str) -> None:
        if value is not None and value not in self.ids[table]:
            raise ValueError(f"{column} names {value}, which the archive does not hold")

    def _own_or_foreign(
        self, table: str, value: str | None, column: str, foreign: set[str]
    ) -> None:
        if value is not None and value not in self.ids[table] and value not in foreign:
            raise ValueError(f"{column} names {value}, which the archive does not hold")

    def check(self, table: str, row: dict[str, Any]) -> None:
        for column, target in REFERENCES.get(table, ()):
            self._known(target, row[column], column)
        special = getattr(self, f"_check_{table}", None)
        if special is not None:
            special(row)

    def _check_units(self, row: dict[str, Any]) -> None:
        self._own_or_foreign(
            "incidents", row["incident_id"], "incident_id", self.foreign.incidents
        )

    def _check_assignments(self, row: dict[str, Any]) -> None:
        self._own_or_foreign("units", row["unit_id"], "unit_id", self.foreign.units)
        provider = row["provider_department_id"]
        if provider is not None and provider not in self.foreign.departments:
            raise ValueError("provider_department_id is not a mutual-aid partner")

    def _check_messages(self, row: dict[str, Any]) -> None:
        self._own_or_foreign(
            "assignments",
            row["assignment_id"],
            "assignment_id",
            self.foreign.assignments,
        )

    def _check_mutual_aid_requests(self, row: dict[str, Any]) -> None:
        if row["department_id"] == self.department_id:
            self._known("incidents", row["incident_id"], "incident_id")
            self._known("assignments", row["assignment_id"], "assignment_id")
        else:
            self._known("units", row["unit_id"], "unit_id")

    def _check_jobs(self, row: dict[str, Any]) -> None:
        payload = row["payload"]
        if len(payload) != 1 or not set(payload) <= set(JOB_PAYLOAD_REFERENCES):
            raise ValueError("a job's payload names one assignment or delivery")
        ((key, value),) = payload.items()
        if not isinstance(value, str):
            raise ValueError(f"payload {key} must be an id")
        self._known(JOB_PAYLOAD_REFERENCES[key], value, f"payload {key}")

    def remember(self, table: str, row: dict[str, Any]) -> None:
        """Keep the row's id for later references; a repeated id is refused."""
        if table in UNTRACKED or "id" not in row:
            return
        known = self.ids[table]
        if row["id"] in known:
            raise ValueError(f"id {row['id']} appears twice")
        known.add(row["id"])

    def remap_members(self, table: str, row: dict[str, Any]) -> None:
        for column in MEMBER_COLUMNS.get(table, ()):
            row[column] = self.member_ids.get(row[column], row[column])

    def resolve(self, table: str, row: dict[str, Any]) -> dict[str, Any] | None:
        """The row as this instance can hold it, or ``None`` to leave it out."""
        present, detached = self.resolution.present, self.resolution.detached
        if table == "units" and row["incident_id"] in self.foreign.incidents:
            if row["incident_id"] not in present.incidents:
                row["incident_id"] = None
                detached["unit commitments to a partner's incident"] += 1
        elif table == "assignments" and row["provider_department_id"] is not None:
            if row["provider_department_id"] not in present.departments:
                row["provider_department_id"] = None
            unit_id = row["unit_id"]
            if unit_id not in present.units and unit_id not in self.ids["units"]:
                row["unit_id"] = None
                detached["assignments of a lent unit"] += 1
        elif table in ("department_links", "mutual_aid_requests"):
            return self._resolve_aid(table, row)
        return row

    def _resolve_aid(self, table: str, row: dict[str, Any]) -> dict[str, Any] | None:
        present = self.resolution.present
        if table == "department_links":
            other = {row["department_id"], row["partner_id"]} - {self.department_id}
            needed = other <= present.departments
        elif row["department_id"] == self.department_id:
            needed = (
                row["provider_department_id"] in present.departments
                and row["unit_id"] in present.units
            )
        else:
            needed = (
                row["department_id"] in present.departments
                and row["incident_id"] in present.incidents
                and row["assignment_id"] in present.assignments
            )
        if not needed:
            self.resolution.detached[f"{table.replace('_', ' ')} left out"] += 1
            return None
        return row
