"""Real peers on loopback for messaging tests: an SMTP server and an HTTP
receiver that checks webhook signatures itself, plus signing for inbound posts."""

import hashlib
import hmac
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(  # noqa: N802 - the name aiosmtpd calls
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or b""
        self.messages.append(message_from_bytes(content))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted"


class SMTPServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.mailbox = Mailbox()
        self._controller = Controller(
            self.mailbox, hostname="127.0.0.1", port=self.port
        )

    def __enter__(self) -> "SMTPServer":
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


def expected_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The scheme as the README states it, computed here independently."""
    signed = timestamp.encode() + b"." + body
    return "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool | None

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """What the HTTP receiver knows: the secret to check and what it got."""

    secret: str | None = None
    requests: list[Received] = field(default_factory=list)


def _handler(state: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            ok = None
            if state.secret is not None:
                timestamp = headers.get("muster-timestamp", "0")
                fresh = abs(time.time() - int(timestamp)) <= 300
                wanted = expected_signature(state.secret, timestamp, body)
                ok = fresh and hmac.compare_digest(
                    wanted, headers.get("muster-signature", "")
                )
            state.requests.append(Received(self.path, headers, body, ok))
            self.send_response(401 if ok is False else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


class HTTPReceiver:
    """A threaded HTTP server on loopback that records POSTs."""

    def __init__(self) -> None:
        self.state = Receiver()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "HTTPReceiver":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def signed_headers(
    endpoint_id: str, secret: str, body: bytes, *, at: float | None = None
) -> dict[str, str]:
    """Headers a gateway sends with an inbound post."""
    timestamp = str(int(time.time() if at is None else at))
    return {
        "Content-Type": "application/json",
        "Muster-Endpoint": endpoint_id,
        "Muster-Timestamp": timestamp,
        "Muster-Signature": expected_signature(secret, timestamp, body),
    }


@dataclass
class Crew:
    """A station with a unit and members at home there."""

    station_id: str
    unit_id: str
    member_ids: list[str]
