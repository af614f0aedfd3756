"""Errors of response plans, assignments and dispatch."""

from muster.core.errors import Conflict, InvalidTransition, NotFound


class ResponsePlanNotFound(NotFound):
    pass


class AssignmentNotFound(NotFound):
    pass


class NoResponsePlan(Conflict):
    """The incident's type has no response plan covering its location."""


class UnitUnavailable(Conflict):
    """The unit is out of service or otherwise cannot be sent."""


class AlreadyAssigned(Conflict):
    pass


class AssignmentClosed(InvalidTransition):
    """The assignment was cleared or declined; nothing more can happen to it."""


class LinkNotFound(NotFound):
    pass


class AlreadyLinked(Conflict):
    pass


class AidRequestNotFound(NotFound):
    pass


class AidRequestAnswered(InvalidTransition):
    """The mutual-aid request was already accepted, declined or withdrawn."""


class AwaitingMutualAid(Conflict):
    """The assignment waits for the lending department's answer."""
