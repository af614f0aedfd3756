"""``muster audit``: check the tamper-evident event chain."""

from typing import Annotated

import typer

from muster.cli.common import database_session, load_settings, run
from muster.events import service as event_service
from muster.events.schemas import ChainReport
from muster.org import service as org_service

app = typer.Typer(help="The event chain.", no_args_is_help=True)


@app.command("verify")
def verify(department: Annotated[str, typer.Option(help="Department slug")]) -> None:
    """Walk the department's event chain; exit 1 at the first broken link."""
    settings = load_settings()

    async def work() -> ChainReport:
        async with database_session(settings) as session:
            found = await org_service.get_department_by_slug(session, department)
            return await event_service.verify_chain(session, department_id=found.id)

    report = run(work)
    if report.ok:
        print(f"chain of {department} is intact: {report.checked} events verified")
        return
    print(
        f"chain of {department} is BROKEN at event seq {report.broken_seq}"
        f" (id {report.broken_event_id}): {report.reason};"
        f" {report.checked} events before it verified"
    )
    raise typer.Exit(code=1)
