"""Errors of incidents and incident types."""

from muster.core.errors import Conflict, InvalidTransition, NotFound


class IncidentNotFound(NotFound):
    pass


class IncidentTypeNotFound(NotFound):
    pass


class DuplicateIncidentTypeCode(Conflict):
    pass


class IllegalIncidentTransition(InvalidTransition):
    pass


class IncidentClosed(Conflict):
    """The incident is closed or cancelled; reopen it first."""
