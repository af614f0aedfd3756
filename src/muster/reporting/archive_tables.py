"""Which tables a department archive carries, how each is scoped, and in what order.

Every table of the schema is either listed in ``TABLES`` (exported, in an order
where a row only refers to rows of earlier files) or in ``NOT_EXPORTED`` with
the reason; a test holds the two together, so a new table cannot be forgotten.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from sqlalchemy import ColumnElement, CompoundSelect, Table, and_, or_, select, union
from sqlalchemy.sql.elements import ColumnClause

from muster.dispatch.models import (
    Assignment,
    DepartmentLink,
    DispatchSettings,
    MutualAidRequest,
    ResponsePlan,
)
from muster.events.models import Event, EventHead
from muster.incidents.models import (
    Incident,
    IncidentCounter,
    IncidentNote,
    IncidentReport,
    IncidentType,
)
from muster.jobs.models import Job
from muster.messaging.models import (
    ContactMethod,
    Delivery,
    Message,
    NotificationEndpoint,
)
from muster.org.models import Department, Member, Membership, Station
from muster.reporting.models import ReportProfile
from muster.units.models import PersonnelStatus, PositionReport, Unit, UnitType

Scope = Callable[[str], ColumnElement[bool]]


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One JSON Lines file: a table, the rows of a department, what is left out.

    ``omit`` columns never leave the instance; ``secret`` columns only when the
    export asks for secrets. ``shell_ok`` tables may hold rows in a department
    that an import replaces (what setting up an empty department leaves).
    """

    name: str
    table: Table
    scope: Scope
    order_by: tuple[str, ...] = ("id",)
    omit: frozenset[str] = frozenset()
    secret: frozenset[str] = frozenset()
    shell_ok: bool = False

    @property
    def file(self) -> str:
        return f"{self.name}.jsonl"

    def column(self, name: str) -> ColumnClause[object]:
        return cast(ColumnClause[object], self.table.c[name])


def _table(model: type[object]) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]  # declarative class


def _owned(model: type[object]) -> Scope:
    column = _table(model).c.department_id
    return lambda department_id: column == department_id


def _members(department_id: str) -> ColumnElement[bool]:
    """Members of the department, and anyone its rows name as a member."""
    named: CompoundSelect[str] = union(
        select(Membership.member_id).where(Membership.department_id == department_id),
        select(Incident.owner_id).where(Incident.department_id == department_id),
        select(Assignment.member_id).where(Assignment.department_id == department_id),
        select(Delivery.member_id).where(Delivery.department_id == department_id),
        select(ContactMethod.member_id).where(
            ContactMethod.department_id == department_id
        ),
        select(PersonnelStatus.member_id).where(
            PersonnelStatus.department_id == department_id
        ),
        select(PositionReport.member_id).where(
            PositionReport.department_id == department_id
        ),
    )
    return Member.id.in_(select(named.subquery().c[0]))


def _links(department_id: str) -> ColumnElement[bool]:
    return or_(
        DepartmentLink.department_id == department_id,
        DepartmentLink.partner_id == department_id,
    )


def _aid_requests(department_id: str) -> ColumnElement[bool]:
    return or_(
        MutualAidRequest.department_id == department_id,
        MutualAidRequest.provider_department_id == department_id,
    )


def _pending_jobs(department_id: str) -> ColumnElement[bool]:
    return and_(Job.department_id == department_id, Job.done_at.is_(None))


TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "department",
        _table(Department),
        lambda department_id: Department.id == department_id,
        shell_ok=True,
    ),
    TableSpec(
        "members",
        _table(Member),
        _members,
        omit=frozenset({"password_hash"}),
        shell_ok=True,
    ),
    TableSpec("stations", _table(Station), _owned(Station)),
    TableSpec("memberships", _table(Membership), _owned(Membership), shell_ok=True),
    TableSpec("unit_types", _table(UnitType), _owned(UnitType)),
    TableSpec("incident_types", _table(IncidentType), _owned(IncidentType)),
    TableSpec(
        "dispatch_settings",
        _table(DispatchSettings),
        _owned(DispatchSettings),
        order_by=("department_id",),
        shell_ok=True,
    ),
    TableSpec("response_plans", _table(ResponsePlan), _owned(ResponsePlan)),
    TableSpec(
        "incident_counters",
        _table(IncidentCounter),
        _owned(IncidentCounter),
        order_by=("year",),
    ),
    TableSpec("incidents", _table(Incident), _owned(Incident)),
    TableSpec("units", _table(Unit), _owned(Unit)),
    TableSpec("incident_reports", _table(IncidentReport), _owned(IncidentReport)),
    TableSpec("incident_notes", _table(IncidentNote), _owned(IncidentNote)),
    TableSpec("assignments", _table(Assignment), _owned(Assignment)),
    TableSpec("department_links", _table(DepartmentLink), _links),
    TableSpec("mutual_aid_requests", _table(MutualAidRequest), _aid_requests),
    TableSpec("contact_methods", _table(ContactMethod), _owned(ContactMethod)),
    TableSpec(
        "notification_endpoints",
        _table(NotificationEndpoint),
        _owned(NotificationEndpoint),
        secret=frozenset({"secret"}),
    ),
    TableSpec("messages", _table(Message), _owned(Message)),
    TableSpec("deliveries", _table(Delivery), _owned(Delivery)),
    TableSpec("personnel_status", _table(PersonnelStatus), _owned(PersonnelStatus)),
    TableSpec(
        "position_reports",
        _table(PositionReport),
        _owned(PositionReport),
        order_by=("unit_id", "member_id", "at", "id"),
    ),
    TableSpec("events", _table(Event), _owned(Event), order_by=("seq",), shell_ok=True),
    TableSpec(
        "event_heads",
        _table(EventHead),
        _owned(EventHead),
        order_by=("department_id",),
        shell_ok=True,
    ),
    TableSpec(
        "report_profiles",
        _table(ReportProfile),
        _owned(ReportProfile),
        order_by=("name",),
    ),
    TableSpec("jobs", _table(Job), _pending_jobs),
)

BY_NAME = {spec.name: spec for spec in TABLES}

NOT_EXPORTED = {
    "api_tokens": (
        "credentials of this instance: members log in afresh and mint new tokens"
    ),
    "idempotency_keys": (
        "a day's memory of retried requests, meaningless on another instance"
    ),
}
