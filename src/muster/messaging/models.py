"""Messages, one delivery per recipient and channel, and where deliveries go.

A member's contact methods say on which channels (beyond in-app, which every
member gets) they want messages; a department's notification endpoints are
integrations: outbound (webhook, Apprise URL, shared mailbox) or inbound (a
gateway that posts replies, signing them with the endpoint's secret).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from muster.core.db import Base, IdPk


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_incident", "incident_id", "created_at"),)

    id: Mapped[IdPk]
    department_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("departments.id"), index=True
    )
    incident_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("incidents.id")
    )
    # The assignment a page asks to answer; opaque here, dispatch reads it.
    assignment_id: Mapped[str | None] = mapped_column(String(36))
    sender_id: Mapped[str | None] = mapped_column(String(36))
    sender: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    audience: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_message", "message_id"),
        Index("ix_deliveries_member", "department_id", "member_id", "created_at"),
    )

    id: Mapped[IdPk]
    department_id: Mapped[str] = mapped_column(String(36), ForeignKey("departments.id"))
    message_id: Mapped[str] = mapped_column(String(36), ForeignKey("messages.id"))
    member_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("members.id"))
    endpoint_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("notification_endpoints.id")
    )
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]


class ContactMethod(Base):
    """Where a member wants messages besides in-app: an email address, or an
    Apprise URL for SMS, push or chat."""

    __tablename__ = "contact_methods"
    __table_args__ = (Index("ix_contact_methods_member", "department_id", "member_id"),)

    id: Mapped[IdPk]
    department_id: Mapped[str] = mapped_column(String(36), ForeignKey("departments.id"))
    member_id: Mapped[str] = mapped_column(String(36), ForeignKey("members.id"))
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(Text)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class NotificationEndpoint(Base):
    """A department's integration. Outbound ones receive every message of the
    department, or with ``station_id`` those addressed to that station."""

    __tablename__ = "notification_endpoints"

    id: Mapped[IdPk]
    department_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("departments.id"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    target: Mapped[str | None] = mapped_column(Text)
    secret: Mapped[str | None] = mapped_column(String(128))
    station_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("stations.id")
    )
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
