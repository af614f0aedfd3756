"""Channels, statuses and the shapes of messages, deliveries and endpoints."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, StringConstraints, model_validator

from muster.core.schemas import InputModel, OutputModel, ShortText, UpdateModel
from muster.org.roles import Role

BODY_LIMIT = 4000
REPLY_LIMIT = 2000


class Channel(StrEnum):
    IN_APP = "in_app"
    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"
    CHAT = "chat"
    WEBHOOK = "webhook"


APPRISE_CHANNELS = frozenset({Channel.SMS, Channel.PUSH, Channel.CHAT})
CONTACT_CHANNELS = frozenset({Channel.EMAIL, *APPRISE_CHANNELS})
INBOUND_CHANNELS = frozenset({Channel.EMAIL, Channel.SMS, Channel.CHAT})


class InboundChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    CHAT = "chat"


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    ACKNOWLEDGED = "acknowledged"


class EndpointKind(StrEnum):
    WEBHOOK = "webhook"
    APPRISE = "apprise"
    EMAIL = "email"
    GATEWAY = "gateway"  # inbound: posts replies to /inbound/{channel}


class ReplyIntent(StrEnum):
    RESPONDING = "responding"
    DECLINED = "declined"


Body = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=BODY_LIMIT)
]
ReplyText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=REPLY_LIMIT)
]
Ids = Annotated[list[str], Field(max_length=500)]


class Audience(InputModel):
    members: Ids = []
    stations: Ids = []
    roles: Annotated[list[Role], Field(max_length=10)] = []
    incident_responders: bool = False

    @model_validator(mode="after")
    def _someone(self) -> Self:
        if not (
            self.members or self.stations or self.roles or self.incident_responders
        ):
            raise ValueError("name at least one recipient")
        return self


class MessageCreate(InputModel):
    body: Body
    incident_id: str | None = None
    to: Audience
    channels: Annotated[list[Channel], Field(min_length=1)] | None = None


class ReplyCreate(InputModel):
    text: ReplyText


class DeliveryRead(OutputModel):
    id: str
    member_id: str | None
    endpoint_id: str | None
    channel: Channel
    address: str
    status: DeliveryStatus
    reference: str
    attempts: int
    last_error: str | None
    sent_at: datetime | None
    failed_at: datetime | None
    acknowledged_at: datetime | None


class MessageRead(OutputModel):
    id: str
    incident_id: str | None
    assignment_id: str | None
    sender: str
    body: str
    audience: dict[str, object]
    created_at: datetime
    deliveries: list[DeliveryRead]


class MessageList(OutputModel):
    items: list[MessageRead]
    next_cursor: str | None = None


class ContactMethodCreate(InputModel):
    channel: Channel
    address: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)
    ]

    @model_validator(mode="after")
    def _known_channel(self) -> Self:
        if self.channel not in CONTACT_CHANNELS:
            raise ValueError("a contact method is email, sms, push or chat")
        if self.channel is Channel.EMAIL and "@" not in self.address:
            raise ValueError("an email contact needs an email address")
        if self.channel is not Channel.EMAIL and "://" not in self.address:
            raise ValueError("sms, push and chat contacts take an Apprise URL")
        return self


class ContactMethodRead(OutputModel):
    id: str
    member_id: str
    channel: Channel
    address: str
    is_enabled: bool


class ContactMethodList(OutputModel):
    items: list[ContactMethodRead]
    next_cursor: str | None = None


_KIND_CHANNELS = {
    EndpointKind.WEBHOOK: frozenset({Channel.WEBHOOK}),
    EndpointKind.EMAIL: frozenset({Channel.EMAIL}),
    EndpointKind.APPRISE: APPRISE_CHANNELS,
    EndpointKind.GATEWAY: INBOUND_CHANNELS,
}


class EndpointCreate(InputModel):
    kind: EndpointKind
    name: ShortText
    channel: Channel | None = None
    target: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, min_length=3, max_length=2000),
        ]
        | None
    ) = None
    station_id: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        allowed = _KIND_CHANNELS[self.kind]
        if self.channel is None and len(allowed) == 1:
            self.channel = next(iter(allowed))
        if self.channel not in allowed:
            names = ", ".join(sorted(allowed))
            raise ValueError(f"a {self.kind} endpoint takes channel {names}")
        if self.kind is not EndpointKind.GATEWAY and self.target is None:
            raise ValueError(f"a {self.kind} endpoint needs a target")
        if self.kind is EndpointKind.WEBHOOK and not _is_http(self.target):
            raise ValueError("a webhook target is an http(s) URL")
        return self


def _is_http(url: str | None) -> bool:
    return url is not None and url.startswith(("http://", "https://"))


class EndpointUpdate(UpdateModel):
    name: ShortText | None = None
    is_enabled: bool | None = None


class EndpointRead(OutputModel):
    id: str
    kind: EndpointKind
    channel: Channel
    name: str
    target: str | None
    station_id: str | None
    is_enabled: bool
    has_secret: bool


class EndpointCreated(EndpointRead):
    """Shown once, at creation: the secret that signs webhooks or inbound posts."""

    secret: str | None


class EndpointList(OutputModel):
    items: list[EndpointRead]
    next_cursor: str | None = None


class InboundMessage(InputModel):
    """What a gateway posts: who wrote, what, and the reference if it kept one."""

    sender: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)
    ] = Field(alias="from")
    text: ReplyText
    reference: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None
    ) = None
    subject: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=998)] | None
    ) = None


class ReplyOutcome(OutputModel):
    delivery_id: str | None
    message_id: str | None
    incident_id: str | None
    intent: ReplyIntent | None
    acknowledged: bool
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """What dispatch asks to be paged: an assignment of a unit or a person."""

    assignment_id: str
    incident_id: str
    unit_id: str | None = None
    unit_department_id: str | None = None
    member_id: str | None = None
    attempt: int = 1
