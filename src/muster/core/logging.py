"""One logging set-up: JSON lines in production, readable lines in development.

Log calls pass a constant event name as the message and data as ``extra``
fields; the request id bound by the web middleware rides along on every line.
"""

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from muster.core.settings import Environment, Settings

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None))
) | {"message", "asctime", "taskName"}


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = {
        k: v
        for k, v in vars(record).items()
        if k not in _STANDARD_ATTRS and k != "color_message"
    }
    request_id = request_id_var.get()
    if request_id is not None:
        fields.setdefault("request_id", request_id)
    return fields


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created, UTC).strftime("%H:%M:%S")
        pairs = " ".join(f"{k}={v}" for k, v in _fields(record).items())
        text = (
            f"{at} {record.levelname:<7} {record.name}: {record.getMessage()} {pairs}"
        )
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text.rstrip()


def configure_logging(settings: Settings) -> None:
    """Install the formatter on the root logger (idempotent)."""
    use_json = settings.log_format == "json" or (
        settings.log_format == "auto" and settings.env is Environment.PRODUCTION
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JSONFormatter() if use_json else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).setLevel(logging.WARNING)
