"""``muster after-action``: write one incident's after-action review to a file."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from muster.cli.common import database_session, load_settings, run
from muster.core.settings import Settings
from muster.incidents import service as incident_service
from muster.org import service as org_service
from muster.reporting import after_action
from muster.reporting.after_action_html import render_html
from muster.reporting.after_action_pdf import render_pdf
from muster.reporting.after_action_schemas import AfterActionReview, ReviewFormat


def _document(
    review: AfterActionReview, form: ReviewFormat, settings: Settings
) -> bytes:
    if form is ReviewFormat.PDF:
        return render_pdf(review, font=settings.pdf_font)
    if form is ReviewFormat.HTML:
        return render_html(review).encode()
    return review.model_dump_json(indent=2).encode()


def _write(out: Path, document: bytes) -> None:
    try:
        out.write_bytes(document)
    except OSError as exc:
        print(f"error: cannot write {out}: {exc.strerror}", file=sys.stderr)
        raise typer.Exit(code=1) from exc


def after_action_command(
    department: Annotated[str, typer.Option(help="Department slug")],
    incident: Annotated[str, typer.Option(help="Incident number, e.g. 2026-000123")],
    out: Annotated[Path, typer.Option(dir_okay=False, help="File to write")],
    form: Annotated[
        ReviewFormat, typer.Option("--format", help="json, html or pdf")
    ] = ReviewFormat.PDF,
    profile: Annotated[
        str | None, typer.Option(help="Target profile (default: the department's)")
    ] = None,
) -> None:
    """Write the after-action review of one incident (timeline, intervals
    against targets, messages, tracks, record integrity)."""
    settings = load_settings()

    async def work() -> AfterActionReview:
        async with database_session(settings) as session:
            found = await org_service.get_department_by_slug(session, department)
            record = await incident_service.get_incident_by_number(
                session, department_id=found.id, number=incident
            )
            return await after_action.after_action_review(
                session, department_id=found.id, incident_id=record.id, profile=profile
            )

    review = run(work)
    document = _document(review, form, settings)
    _write(out, document)
    if review.integrity.verified is False:
        print(
            f"warning: the event chain is broken at seq {review.integrity.broken_seq};"
            " the review says so",
            file=sys.stderr,
        )
    print(
        f"wrote the after-action review of {review.incident.number} to {out}"
        f" ({form}, {len(document)} bytes)"
    )
