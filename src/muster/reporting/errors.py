"""Errors of reports and imports."""

from muster.core.errors import Conflict, ValidationFailed


class BadReportQuery(ValidationFailed):
    """A report parameter that parsed but makes no sense (unknown profile, say)."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(
            message, errors=[{"loc": ["query", parameter], "msg": message}]
        )
        self.parameter = parameter


class NotACallsFile(ValidationFailed):
    """A file that is not a calls-for-service export; nothing was imported."""


class ArchiveInvalid(ValidationFailed):
    """A department archive that is malformed, truncated, tampered with or
    inconsistent; nothing of it was imported. ``file`` and ``line`` say where."""

    def __init__(
        self, message: str, *, file: str | None = None, line: int | None = None
    ) -> None:
        loc: list[str | int] = ["archive"]
        detail = message
        if file is not None:
            loc.append(file)
            where = file if line is None else f"{file}, line {line}"
            detail = f"{where}: {message}"
        if line is not None:
            loc.append(line)
        super().__init__(detail, errors=[{"loc": loc, "msg": message}])
        self.file = file
        self.line = line


class ArchiveConflict(Conflict):
    """An archive that cannot go where it was sent: the department is not empty,
    or rows with its ids already exist on this instance."""
