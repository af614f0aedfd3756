"""Shapes of the event log as services and clients see it."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True, slots=True)
class Actor:
    """Who caused a change: a member, a device token or the system itself."""

    name: str
    id: str | None = None

    @classmethod
    def system(cls, name: str = "system") -> "Actor":
        return cls(name=name)


@dataclass(frozen=True, slots=True)
class Context:
    """Who acts, in which department: what every changing service call needs."""

    department_id: str
    actor: Actor


@dataclass(frozen=True, slots=True)
class EventContent:
    """The hashed part of an event."""

    department_id: str
    seq: int
    at: datetime
    actor_id: str | None
    actor: str
    kind: str
    incident_id: str | None
    data: dict[str, Any]


class ActorRead(BaseModel):
    id: str | None
    name: str


class EventRead(BaseModel):
    seq: int
    at: datetime
    actor: ActorRead
    kind: str
    incident_id: str | None
    data: dict[str, Any]


class EventList(BaseModel):
    items: list[EventRead]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of walking a department's chain."""

    department_id: str
    checked: int
    ok: bool
    broken_seq: int | None = None
    broken_event_id: str | None = None
    reason: str | None = None
