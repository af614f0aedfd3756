"""Errors of reports and imports."""

from muster.core.errors import ValidationFailed


class BadReportQuery(ValidationFailed):
    """A report parameter that parsed but makes no sense (unknown profile, say)."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(
            message, errors=[{"loc": ["query", parameter], "msg": message}]
        )
        self.parameter = parameter


class NotACallsFile(ValidationFailed):
    """A file that is not a calls-for-service export; nothing was imported."""
