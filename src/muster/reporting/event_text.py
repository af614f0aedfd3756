"""Reading event payloads into words, for the lines of ``event_lines``.

Payloads are read defensively: events are kept for years and older ones may
lack fields newer code writes, so a missing or oddly typed field shortens a
line instead of failing the document.
"""

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from muster.reporting.after_action_loading import Names

Data = Mapping[str, Any]
Describer = Callable[[Data, Names], str]

QUOTE_LIMIT = 160
_SHORT_VALUE = 40


def text(data: object, key: str, default: str = "") -> str:
    """A scalar field as text; ``default`` when absent, null or not a scalar."""
    if not isinstance(data, Mapping):
        return default
    value = data.get(key)
    if value is None or isinstance(value, Mapping | list):
        return default
    return str(value)


def words(value: object) -> str:
    """A status or field name as words: ``en_route`` is "en route"."""
    if value is None or value == "":
        return "none"
    return str(value).replace("_", " ")


def quote(said: str) -> str:
    """Free text on one line, in quotes, shortened past ``QUOTE_LIMIT``."""
    flat = " ".join(said.split())
    if len(flat) > QUOTE_LIMIT:
        flat = flat[: QUOTE_LIMIT - 1].rstrip() + "…"
    return f"“{flat}”"


def changes(data: Data) -> str:
    """The ``changes`` of an update: each field, with its new value if short."""
    found = data.get("changes")
    if not isinstance(found, Mapping) or not found:
        return "nothing"
    parts = []
    for key, value in sorted(found.items()):
        shown = str(value) if isinstance(value, str | int | float | bool) else ""
        if shown and len(shown) <= _SHORT_VALUE:
            parts.append(f"{words(key)} {shown}")
        else:
            parts.append(words(key))
    return ", ".join(parts)


def utc_time(stamp: str) -> str:
    """An ISO 8601 time from a payload as ``HH:MM:SS UTC`` ("" if unreadable)."""
    try:
        parsed = datetime.fromisoformat(stamp)
    except ValueError:
        return ""
    if parsed.tzinfo is None:
        return ""
    return parsed.astimezone(UTC).strftime("%H:%M:%S UTC")


def from_to(data: Data) -> str:
    return f"{words(data.get('from'))} to {words(data.get('to'))}"


def subject(data: Data, names: Names) -> str:
    """The unit or member an assignment event is about."""
    if data.get("unit_id"):
        return names.unit(data["unit_id"])
    if data.get("member_id"):
        return names.member(data["member_id"])
    return names.assignment(data.get("assignment_id"))
