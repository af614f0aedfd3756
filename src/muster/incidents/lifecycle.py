"""Incident statuses, their transitions, and priority from impact and urgency."""

from enum import StrEnum


class IncidentStatus(StrEnum):
    NEW = "new"
    DISPATCHED = "dispatched"
    ACTIVE = "active"
    UNDER_CONTROL = "under_control"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Level(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


S = IncidentStatus

OPEN = frozenset({S.NEW, S.DISPATCHED, S.ACTIVE, S.UNDER_CONTROL})

# Moves through POST .../status. Closing needs a disposition (POST .../close)
# and leaving closed or cancelled goes through POST .../reopen.
TRANSITIONS: dict[IncidentStatus, frozenset[IncidentStatus]] = {
    S.NEW: frozenset({S.DISPATCHED, S.ACTIVE, S.CANCELLED}),
    S.DISPATCHED: frozenset({S.ACTIVE, S.UNDER_CONTROL, S.CANCELLED}),
    S.ACTIVE: frozenset({S.UNDER_CONTROL, S.CANCELLED}),
    S.UNDER_CONTROL: frozenset({S.ACTIVE}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}

_RANK = {Level.HIGH: 0, Level.MEDIUM: 1, Level.LOW: 2}


def priority_from(impact: Level | None, urgency: Level | None, default: int) -> int:
    """Priority 1 (most urgent) to 5 from an impact/urgency matrix.

    Without either, the incident type's default applies; a missing half of the
    pair counts as medium.
    """
    if impact is None and urgency is None:
        return default
    return 1 + _RANK[impact or Level.MEDIUM] + _RANK[urgency or Level.MEDIUM]
