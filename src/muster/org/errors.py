"""Errors of departments, members, tokens and stations."""

from muster.core.errors import Conflict, NotFound, Unauthenticated


class DepartmentNotFound(NotFound):
    pass


class MemberNotFound(NotFound):
    pass


class StationNotFound(NotFound):
    pass


class TokenNotFound(NotFound):
    pass


class DuplicateSlug(Conflict):
    pass


class DuplicateMembership(Conflict):
    pass


class DuplicateStationCode(Conflict):
    pass


class InvalidCredentials(Unauthenticated):
    pass
