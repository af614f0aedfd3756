"""Every table's model, imported in one place for migrations and schema checks."""

from muster.core.db import Base
from muster.events.models import Event, EventHead
from muster.incidents.models import (
    Incident,
    IncidentCounter,
    IncidentNote,
    IncidentReport,
    IncidentType,
)
from muster.org.models import ApiToken, Department, Member, Membership, Station
from muster.units.models import Unit, UnitType
from muster.web.idempotency import IdempotencyRecord

__all__ = [
    "ApiToken",
    "Base",
    "Department",
    "Event",
    "EventHead",
    "IdempotencyRecord",
    "Incident",
    "IncidentCounter",
    "IncidentNote",
    "IncidentReport",
    "IncidentType",
    "Member",
    "Membership",
    "Station",
    "Unit",
    "UnitType",
]
