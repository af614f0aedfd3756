"""The unit status machine: which status may follow which."""

from enum import StrEnum


class UnitStatus(StrEnum):
    AVAILABLE = "available"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    TRANSPORTING = "transporting"
    AT_HOSPITAL = "at_hospital"
    RETURNING = "returning"
    OUT_OF_SERVICE = "out_of_service"


S = UnitStatus

# Statuses in which the unit is committed to an incident.
COMMITTED = frozenset(
    {S.DISPATCHED, S.EN_ROUTE, S.ON_SCENE, S.TRANSPORTING, S.AT_HOSPITAL}
)

# A unit can break down or be stood down at any point, so every status may go
# out of service; coming back always passes through available.
TRANSITIONS: dict[UnitStatus, frozenset[UnitStatus]] = {
    S.AVAILABLE: frozenset({S.DISPATCHED, S.EN_ROUTE, S.ON_SCENE, S.OUT_OF_SERVICE}),
    S.DISPATCHED: frozenset(
        {S.EN_ROUTE, S.ON_SCENE, S.AVAILABLE, S.RETURNING, S.OUT_OF_SERVICE}
    ),
    S.EN_ROUTE: frozenset({S.ON_SCENE, S.AVAILABLE, S.RETURNING, S.OUT_OF_SERVICE}),
    S.ON_SCENE: frozenset({S.TRANSPORTING, S.RETURNING, S.AVAILABLE, S.OUT_OF_SERVICE}),
    S.TRANSPORTING: frozenset(
        {S.AT_HOSPITAL, S.RETURNING, S.AVAILABLE, S.OUT_OF_SERVICE}
    ),
    S.AT_HOSPITAL: frozenset(
        {S.TRANSPORTING, S.RETURNING, S.AVAILABLE, S.OUT_OF_SERVICE}
    ),
    S.RETURNING: frozenset({S.AVAILABLE, S.DISPATCHED, S.EN_ROUTE, S.OUT_OF_SERVICE}),
    S.OUT_OF_SERVICE: frozenset({S.AVAILABLE}),
}


def can_move(current: UnitStatus, target: UnitStatus) -> bool:
    return target in TRANSITIONS[current]
