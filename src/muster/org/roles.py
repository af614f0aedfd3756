"""Roles a member holds in a department, and what each role may do."""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    DISPATCHER = "dispatcher"
    RESPONDER = "responder"
    VIEWER = "viewer"


class Permission(StrEnum):
    READ = "read"
    INCIDENT_WRITE = "incident_write"
    INCIDENT_NOTE = "incident_note"
    UNIT_STATUS = "unit_status"
    UNIT_MANAGE = "unit_manage"
    MEMBER_MANAGE = "member_manage"
    STATION_MANAGE = "station_manage"
    TYPE_MANAGE = "type_manage"
    DISPATCH_MANAGE = "dispatch_manage"
    TOKEN_MANAGE = "token_manage"  # noqa: S105 - a permission name, not a secret
    CHANNEL_MANAGE = "channel_manage"
    DEPARTMENT_DATA = "department_data"  # export or import the whole department


_OPERATE = {
    Permission.READ,
    Permission.INCIDENT_WRITE,
    Permission.INCIDENT_NOTE,
    Permission.UNIT_STATUS,
}

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.SUPERVISOR: frozenset(_OPERATE),
    Role.DISPATCHER: frozenset(_OPERATE),
    Role.RESPONDER: frozenset(
        {Permission.READ, Permission.INCIDENT_NOTE, Permission.UNIT_STATUS}
    ),
    Role.VIEWER: frozenset({Permission.READ}),
}


def permissions_of(roles: frozenset[Role]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= GRANTS[role]
    return frozenset(granted)
