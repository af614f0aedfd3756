"""Errors of unit types and units."""

from muster.core.errors import Conflict, InvalidTransition, NotFound


class UnitNotFound(NotFound):
    pass


class UnitTypeNotFound(NotFound):
    pass


class DuplicateUnitName(Conflict):
    pass


class DuplicateUnitTypeCode(Conflict):
    pass


class IllegalUnitTransition(InvalidTransition):
    pass


class UnitCommitted(Conflict):
    """The unit is already committed to another incident (named in ``incident_id``)."""

    def __init__(self, detail: str, *, incident_id: str, incident_number: str) -> None:
        super().__init__(
            detail, incident_id=incident_id, incident_number=incident_number
        )
