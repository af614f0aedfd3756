"""Every table's model, imported in one place for migrations and schema checks."""

from muster.core.db import Base
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
from muster.org.models import ApiToken, Department, Member, Membership, Station
from muster.reporting.models import ReportProfile
from muster.units.models import PersonnelStatus, PositionReport, Unit, UnitType
from muster.web.idempotency import IdempotencyRecord

__all__ = [
    "ApiToken",
    "Assignment",
    "Base",
    "ContactMethod",
    "Delivery",
    "Department",
    "DepartmentLink",
    "DispatchSettings",
    "Event",
    "EventHead",
    "IdempotencyRecord",
    "Incident",
    "IncidentCounter",
    "IncidentNote",
    "IncidentReport",
    "IncidentType",
    "Job",
    "Member",
    "Membership",
    "Message",
    "MutualAidRequest",
    "NotificationEndpoint",
    "PersonnelStatus",
    "PositionReport",
    "ReportProfile",
    "ResponsePlan",
    "Station",
    "Unit",
    "UnitType",
]
