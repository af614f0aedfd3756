"""The one source of the current time, so that tests can freeze it."""

from collections.abc import Callable
from datetime import UTC, datetime

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731 - swapped by tests


def now() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return _now()


def set_clock(source: Callable[[], datetime] | None) -> None:
    """Replace the clock (``None`` restores the system clock)."""
    global _now  # noqa: PLW0603 - the clock is process-wide by design
    _now = source if source is not None else (lambda: datetime.now(UTC))
