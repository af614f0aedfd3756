"""``muster export`` and ``muster import``: move a department to another instance."""

import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import IO, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from muster.cli.common import (
    CLI_ACTOR,
    database_session,
    load_settings,
    run,
    snapshot_session,
)
from muster.core.settings import Settings
from muster.org import service as org_service
from muster.reporting import archive_export, archive_import
from muster.reporting.archive_export import ExportRequest
from muster.reporting.archive_import import ImportRequest
from muster.reporting.archive_read import Limits, open_archive
from muster.reporting.archive_schemas import ImportSummary
from muster.reporting.archive_target import Target

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _tracker(progress: Progress, task: object) -> Callable[[str, int], None]:
    """A row callback that moves one bar by the rows of every file together."""
    done: dict[str, int] = {}

    def update(name: str, rows: int) -> None:
        done[name] = rows
        progress.update(task, completed=sum(done.values()))  # type: ignore[arg-type]  # a TaskID

    return update


async def _write_archive(
    settings: Settings, request: ExportRequest, out: IO[bytes], console: Console
) -> int:
    async with snapshot_session(settings) as session:
        counts = await archive_export.count_rows(
            session, department_id=request.department_id
        )
        with _progress(console) as progress:
            task = progress.add_task("exporting rows", total=sum(counts.values()))
            tracked = replace(request, on_rows=_tracker(progress, task))
            async for chunk in archive_export.stream_archive(session, request=tracked):
                out.write(chunk)
    return sum(counts.values())


async def _department_id(settings: Settings, slug: str) -> str:
    async with snapshot_session(settings) as session:
        return (await org_service.get_department_by_slug(session, slug)).id


def export_department(
    department: Annotated[str, typer.Option(help="Department slug")],
    out: Annotated[Path, typer.Option(dir_okay=False, help="Archive to write (.zip)")],
    include_secrets: Annotated[
        bool, typer.Option(help="Also export endpoints' signing secrets")
    ] = False,
) -> None:
    """Write the whole department as a zip of JSON Lines and GeoJSON files.

    The file appears only once it is complete. Members' password hashes and
    API tokens are never exported.
    """
    settings = load_settings()
    console = Console(stderr=True)
    partial = out.with_name(out.name + ".partial")
    started = time.monotonic()

    async def work() -> int:
        request = ExportRequest(
            department_id=await _department_id(settings, department),
            include_secrets=include_secrets,
        )
        with partial.open("wb") as sink:
            rows = await _write_archive(settings, request, sink, console)
        partial.replace(out)
        return rows

    try:
        rows = run(work)
    finally:
        partial.unlink(missing_ok=True)
    print(
        f"exported {department}: {rows} rows to {out}"
        f" ({out.stat().st_size} bytes) in {time.monotonic() - started:.1f} s"
    )
    if include_secrets:
        console.print("the archive holds signing secrets: keep it safe")


def _load(
    path: Path, department: str, settings: Settings, console: Console
) -> ImportSummary:
    limits = Limits(max_unpacked_bytes=settings.import_max_unpacked_bytes)

    async def work() -> ImportSummary:
        archive = open_archive(path, limits=limits)
        try:
            with _progress(console) as progress:
                files = archive.manifest.files
                checking = progress.add_task("checking files", total=len(files))
                archive.verify(on_file=lambda _: progress.advance(checking))
                rows = sum(f.rows for f in files if f.name.endswith(".jsonl"))
                task = progress.add_task("importing rows", total=rows)
                request = ImportRequest(
                    target=Target(slug=department),
                    actor=CLI_ACTOR,
                    on_rows=_tracker(progress, task),
                )
                async with database_session(settings) as session:
                    return await archive_import.import_archive(
                        session, archive=archive, request=request
                    )
        finally:
            archive.close()

    return run(work)


def _report(summary: ImportSummary, console: Console) -> None:
    print(
        f"imported {summary.slug} ({summary.department_id}):"
        f" {sum(summary.rows.values())} rows;"
        f" event chain intact: {summary.events_verified} events verified"
    )
    if summary.replaced_department_id is not None:
        print(f"it replaced the empty department {summary.replaced_department_id}")
    if summary.members_matched:
        print(f"{summary.members_matched} members joined as existing accounts")
    if summary.members_created:
        print(
            f"{summary.members_created} imported members have no password and"
            " cannot log in until one is set: `muster users set-password"
            f" --department {summary.slug} --email EMAIL --password ...`, or by"
            " an admin in the app"
        )
    for endpoint_id, secret in summary.new_endpoint_secrets.items():
        print(
            f"endpoint {endpoint_id} was imported disabled with a new signing"
            f" secret (shown once): {secret}"
        )
    for what, count in sorted(summary.detached.items()):
        console.print(f"{what}: {count} (the partner department is not here)")
    print(json.dumps(summary.model_dump(exclude={"new_endpoint_secrets"})))


def import_department(
    path: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, readable=True, help="Archive (.zip)"
        ),
    ],
    department: Annotated[
        str,
        typer.Option(help="Slug of a new department, or of an empty one to fill"),
    ],
) -> None:
    """Load an archive written by ``muster export`` into a new or empty department.

    Everything is checked first (manifest, checksums, every row and reference,
    the event chain); a refused archive changes nothing.
    """
    console = Console(stderr=True)
    if not _SLUG.match(department):
        print(f"error: {department!r} is not a valid slug", file=sys.stderr)
        raise typer.Exit(code=1)
    started = time.monotonic()
    summary = _load(path, department, load_settings(), console)
    _report(summary, console)
    console.print(f"done in {time.monotonic() - started:.1f} s")
