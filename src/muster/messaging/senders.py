"""Channels that hand a delivery to the world: SMTP, signed webhooks, Apprise.

Each sender raises ``SendFailed`` when the peer refuses or cannot be reached;
the delivery job then retries with back-off. Every channel is at-least-once:
a crash between a successful hand-over and the commit sends again, so the
webhook carries ``Muster-Delivery`` for receivers to drop repeats.
"""

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Protocol

import aiosmtplib
import apprise
import httpx

from muster.core import clock
from muster.core.settings import Settings
from muster.messaging.errors import SendFailed
from muster.messaging.schemas import APPRISE_CHANNELS, Channel
from muster.messaging.signing import sign_headers

DELIVERY_HEADER = "Muster-Delivery"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One delivery ready to send: where, what, and the secret that signs it."""

    delivery_id: str
    channel: Channel
    address: str
    subject: str
    text: str
    payload: dict[str, Any] = field(default_factory=dict)
    secret: str | None = None


class Sender(Protocol):
    async def send(self, outgoing: Outgoing) -> None:
        """Hand ``outgoing`` over; raise ``SendFailed`` if that did not happen."""


@dataclass(frozen=True, slots=True)
class SMTPConfig:
    host: str | None
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout_s: float = 10.0


class SMTPSender:
    """Email through the configured SMTP relay; the subject carries the reference."""

    def __init__(self, config: SMTPConfig) -> None:
        self._config = config

    async def send(self, outgoing: Outgoing) -> None:
        config = self._config
        if config.host is None:
            raise SendFailed("email is not configured (MUSTER_SMTP_HOST)")
        email = EmailMessage()
        email["From"] = config.sender
        email["To"] = outgoing.address
        email["Subject"] = outgoing.subject
        email.set_content(outgoing.text)
        try:
            await aiosmtplib.send(
                email,
                hostname=config.host,
                port=config.port,
                username=config.username,
                password=config.password,
                start_tls=config.starttls,
                timeout=config.timeout_s,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise SendFailed(f"SMTP: {exc}") from exc


class WebhookSender:
    """A signed JSON POST; any answer but 2xx counts as a failure."""

    def __init__(self, *, timeout_s: float) -> None:
        self._timeout = httpx.Timeout(timeout_s)

    async def send(self, outgoing: Outgoing) -> None:
        if outgoing.secret is None:
            raise SendFailed("the webhook endpoint has no secret")
        body = json.dumps(outgoing.payload, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            DELIVERY_HEADER: outgoing.delivery_id,
            **sign_headers(outgoing.secret, body, clock.now()),
        }
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                response = await client.post(
                    outgoing.address, content=body, headers=headers
                )
        except httpx.HTTPError as exc:
            raise SendFailed(f"webhook: {type(exc).__name__}: {exc}") from exc
        if not response.is_success:
            raise SendFailed(f"webhook answered {response.status_code}")


class AppriseSender:
    """SMS, push and chat through an Apprise URL (``json://``, ``tgram://``, ...)."""

    def __init__(self, *, timeout_s: float) -> None:
        self._timeout_s = timeout_s

    async def send(self, outgoing: Outgoing) -> None:
        # Apprise's plugins do blocking I/O: keep them off the event loop.
        await asyncio.to_thread(self._notify, outgoing)

    def _notify(self, outgoing: Outgoing) -> None:
        notifier = apprise.Apprise()
        if not notifier.add(outgoing.address):
            raise SendFailed("not a usable Apprise URL")
        result = notifier.notify(
            body=outgoing.text, title=outgoing.subject, timeout=self._timeout_s
        )
        if not result:
            raise SendFailed("the Apprise service did not accept the notification")


Senders = Mapping[Channel, Sender]


def build_senders(settings: Settings) -> dict[Channel, Sender]:
    """One sender per outbound channel, configured from ``settings``."""
    password = settings.smtp_password
    smtp = SMTPSender(
        SMTPConfig(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            username=settings.smtp_user,
            password=password.get_secret_value() if password else None,
            starttls=settings.smtp_starttls,
            timeout_s=settings.send_timeout_s,
        )
    )
    chat = AppriseSender(timeout_s=settings.send_timeout_s)
    senders: dict[Channel, Sender] = {
        Channel.EMAIL: smtp,
        Channel.WEBHOOK: WebhookSender(timeout_s=settings.send_timeout_s),
    }
    senders.update(dict.fromkeys(APPRISE_CHANNELS, chat))
    return senders
