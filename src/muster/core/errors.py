"""The project's exception families; each domain derives its own small classes.

Services raise these; the web layer maps each family to one HTTP status and the
CLI to one exit message. They carry ids as attributes and a message safe to show.
"""

from typing import Any


class MusterError(Exception):
    """Base of every error Muster raises on purpose."""

    title = "Error"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(MusterError):  # noqa: N818 - reads as the condition it names
    title = "Not found"


class Conflict(MusterError):  # noqa: N818 - reads as the condition it names
    title = "Conflict"


class InvalidTransition(Conflict):
    title = "Invalid state transition"


class StaleVersion(Conflict):
    title = "Stale version"

    def __init__(self, detail: str, *, current_version: int) -> None:
        super().__init__(detail, current_version=current_version)
        self.current_version = current_version


class PermissionDenied(MusterError):  # noqa: N818 - reads as the condition it names
    title = "Forbidden"


class Unauthenticated(MusterError):  # noqa: N818 - reads as the condition it names
    title = "Unauthorized"


class RateLimited(MusterError):  # noqa: N818 - reads as the condition it names
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after_s: int) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


class NotAcceptable(MusterError):  # noqa: N818 - reads as the condition it names
    """The client accepts none of the representations a resource has."""

    title = "Not acceptable"


class ValidationFailed(MusterError):  # noqa: N818 - reads as the condition it names
    """Input that parsed but breaks a rule; ``errors`` name the offending fields."""

    title = "Validation failed"

    def __init__(
        self, detail: str, *, errors: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(detail)
        self.errors = errors or []


def field_error(field: str, message: str) -> ValidationFailed:
    """A validation error about one body field."""
    return ValidationFailed(message, errors=[{"loc": ["body", field], "msg": message}])


def check_version(current: int, expected: int | None) -> None:
    """Raise ``StaleVersion`` when the client edited an older version (If-Match)."""
    if expected is not None and expected != current:
        raise StaleVersion(
            f"version {expected} is stale; the current version is {current}",
            current_version=current,
        )
