"""``muster import-calls``: load a calls-for-service CSV as closed incidents."""

import json
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from muster.cli.common import CLI_ACTOR, database_session, load_settings, run
from muster.core.errors import ValidationFailed
from muster.events.schemas import Context
from muster.org import service as org_service
from muster.reporting import calls_import
from muster.reporting.calls_import import ImportResult


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed(f"unknown time zone {name!r}") from exc


def _summary(result: ImportResult) -> dict[str, object]:
    return {
        "rows": result.rows,
        "calls": result.calls,
        "imported": result.imported,
        "assignments": result.assignments,
        "already_present": result.already_present,
        "skipped_rows": dict(result.skipped),
        "created": dict(result.created),
    }


def import_calls(
    path: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV file"),
    ],
    department: Annotated[str, typer.Option(help="Department slug")],
    timezone: Annotated[
        str | None,
        typer.Option(help="Zone of the file's times (default: the department's)"),
    ] = None,
) -> None:
    """Import a calls-for-service CSV (one row per unit sent) as closed incidents.

    Importing the same file again adds only calls not yet imported.
    """
    settings = load_settings()
    console = Console(stderr=True)

    async def work() -> ImportResult:
        async with database_session(settings) as session:
            found = await org_service.get_department_by_slug(session, department)
            zone = _zone(timezone or found.timezone)
            with (
                path.open(encoding="utf-8-sig", newline="") as source,
                Progress(
                    TextColumn("importing calls"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    console=console,
                    transient=True,
                ) as progress,
            ):
                task = progress.add_task("calls", total=None)
                return await calls_import.import_calls(
                    session,
                    ctx=Context(found.id, CLI_ACTOR),
                    source=source,
                    zone=zone,
                    on_progress=lambda done, total: progress.update(
                        task, completed=done, total=total
                    ),
                )

    result = run(work)
    for reason, count in sorted(result.skipped.items()):
        console.print(f"skipped {count} row(s): {reason}")
    print(
        f"imported {result.imported} of {result.calls} calls"
        f" ({result.assignments} unit assignments) into {department};"
        f" {result.already_present} already present"
    )
    print(json.dumps(_summary(result)))
