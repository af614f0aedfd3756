"""The after-action review as PDF: the sections and tables of the HTML
document, and the tracks map drawn with lines from the same layout."""

from collections.abc import Callable
from pathlib import Path

from muster.reporting.after_action_format import Formatter
from muster.reporting.after_action_schemas import AfterActionReview, AssignmentReview
from muster.reporting.pdf_document import (
    BODY_PT,
    SMALL_PT,
    TITLE_PT,
    ReportDocument,
    cells,
)
from muster.reporting.track_map import HEIGHT, WIDTH, MapLayout, layout_map

Section = Callable[[ReportDocument, AfterActionReview, Formatter], None]
ASSIGNMENT_COLUMNS = (
    "Unit or person",
    "Status",
    "Dispatched",
    "Ack.",
    "Declined",
    "En route",
    "On scene",
    "Cleared",
    "Pages",
)


def _title(doc: ReportDocument, review: AfterActionReview, fmt: Formatter) -> None:
    doc.heading(f"After-action review: incident {review.incident.number}", TITLE_PT)
    doc.paragraph(
        f"{review.department.name} - times in {review.department.timezone} -"
        f" targets: {review.profile} - generated {fmt.stamp(review.generated_at)}",
        size=SMALL_PT,
    )


def _summary(doc: ReportDocument, review: AfterActionReview, fmt: Formatter) -> None:
    incident = review.incident
    kind = incident.type
    rows = [
        ("Type", f"{kind.code} - {kind.name} ({kind.category})"),
        ("Priority", str(incident.priority)),
        ("Status", fmt.words(incident.status)),
        ("Address", incident.address or "-"),
        ("Location", fmt.coordinates(incident.lat, incident.lon)),
        ("Owner", incident.owner.name if incident.owner else "-"),
        ("Station area", incident.station.code if incident.station else "-"),
        ("Disposition", incident.disposition or "-"),
        ("Description", incident.description),
    ]
    if incident.external_ref:
        rows.append(("Source reference", incident.external_ref))
    doc.heading("Incident")
    doc.grid(None, rows, (1, 4))
    doc.heading("Callers", BODY_PT + 1)
    reports = [
        cells(fmt.clock(r.received_at), r.name or "-", r.phone or "-", r.text or "-")
        for r in incident.reports
    ]
    doc.grid(["Received", "Name", "Phone", "Report"], reports, (2, 3, 3, 8))
    if not reports:
        doc.paragraph("No caller reports.")


def _lifecycle(doc: ReportDocument, review: AfterActionReview, fmt: Formatter) -> None:
    times = review.lifecycle
    doc.heading("Lifecycle and intervals")
    doc.grid(
        ["Moment", "Time"],
        [
            ("Received", fmt.stamp(times.received_at)),
            ("Dispatched", fmt.stamp(times.dispatched_at)),
            ("First en route", fmt.stamp(times.first_en_route_at)),
            ("First on scene", fmt.stamp(times.first_on_scene_at)),
            ("Under control", fmt.stamp(times.under_control_at)),
            ("Closed", fmt.stamp(times.closed_at)),
        ],
        (1, 2),
    )
    doc.grid(
        ["Interval", "From", "To", "Time", "Target", "Result"],
        [
            cells(
                r.label,
                fmt.clock(r.start),
                fmt.clock(r.end),
                fmt.duration(r.seconds),
                fmt.target(r),
                fmt.verdict(r),
            )
            for r in review.intervals
        ],
        (3, 2, 2, 2, 2, 2),
    )


def _assignment_row(a: AssignmentReview, fmt: Formatter) -> list[str]:
    notes = [a.unit_type or "", a.station or "", a.mutual_aid_from or ""]
    label = " ".join([a.name, *(f"({n})" for n in notes if n)])
    return cells(
        label + (" - first on scene" if a.first_on_scene else ""),
        fmt.words(a.status),
        fmt.clock(a.dispatched_at),
        fmt.clock(a.acknowledged_at),
        fmt.clock(a.declined_at),
        fmt.clock(a.en_route_at),
        fmt.clock(a.on_scene_at),
        fmt.clock(a.cleared_at),
        a.pages,
    )


def _assignments(
    doc: ReportDocument, review: AfterActionReview, fmt: Formatter
) -> None:
    doc.heading("Assignments")
    if not review.assignments:
        doc.paragraph("No units or people were assigned.")
        return
    doc.grid(
        ASSIGNMENT_COLUMNS,
        [_assignment_row(a, fmt) for a in review.assignments],
        (5, 2.4, 2, 2, 2, 2, 2, 2, 1.2),
    )
    doc.grid(
        ["Unit or person", "Interval", "Time", "Target", "Result"],
        [
            cells(
                a.name, r.label, fmt.duration(r.seconds), fmt.target(r), fmt.verdict(r)
            )
            for a in review.assignments
            for r in a.intervals
        ],
        (4, 3, 2, 2, 2),
    )
    for a in review.assignments:
        for e in a.escalations:
            doc.paragraph(f"{fmt.clock(e.at)} - {a.name} {fmt.escalation(e)}")


def _draw_map(doc: ReportDocument, layout: MapLayout) -> None:
    if doc.will_page_break(HEIGHT + 4):
        doc.add_page()
    left, top = doc.l_margin, doc.get_y()
    doc.set_draw_color(150)
    doc.set_fill_color(247, 247, 244)
    doc.rect(left, top, WIDTH, HEIGHT, style="DF")
    for line in layout.lines:
        doc.set_draw_color(*_rgb(line.colour))
        doc.set_line_width(0.6)
        points = [(left + x, top + y) for x, y in line.points]
        if len(points) > 1:
            doc.polyline(points)
        else:
            doc.set_fill_color(*_rgb(line.colour))
            doc.circle(points[0][0], points[0][1], 1.0, style="F")
    doc.set_line_width(0.2)
    doc.set_font(doc.text_family, "", SMALL_PT)
    for marker in layout.markers:
        x, y = left + marker.x, top + marker.y
        if marker.kind == "incident":
            doc.set_fill_color(204, 0, 0)
            doc.polygon(
                [(x, y - 2.4), (x + 2.2, y + 1.6), (x - 2.2, y + 1.6)], style="F"
            )
        else:
            doc.set_fill_color(51)
            doc.rect(x - 1.4, y - 1.4, 2.8, 2.8, style="F")
        doc.text(x + 2.6, y + 1, marker.label)
    _legend_and_scale(doc, layout, left, top)
    doc.set_draw_color(0)
    doc.set_fill_color(255)
    doc.set_y(top + HEIGHT + 3)


def _legend_and_scale(
    doc: ReportDocument, layout: MapLayout, left: float, top: float
) -> None:
    for row, line in enumerate(layout.lines):
        y = top + 2 + 4.5 * (row + 1)
        doc.set_draw_color(*_rgb(line.colour))
        doc.set_line_width(1)
        doc.line(left + WIDTH - 40, y - 1, left + WIDTH - 34, y - 1)
        doc.text(left + WIDTH - 32, y, line.name)
    doc.set_draw_color(0)
    doc.set_line_width(0.6)
    y = top + HEIGHT - 5
    doc.line(left + 4, y, left + 4 + layout.scale_length, y)
    doc.text(left + 4, y - 1.5, layout.scale_label)
    doc.set_line_width(0.2)


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _tracks(doc: ReportDocument, review: AfterActionReview, fmt: Formatter) -> None:
    doc.heading("Tracks")
    layout = layout_map(
        incident=(review.incident.lat, review.incident.lon),
        stations=review.stations,
        tracks=review.tracks,
    )
    _draw_map(doc, layout)
    doc.paragraph(
        "Position reports from each unit's dispatch to its clearing;"
        " triangle: the incident, squares: stations.",
        size=SMALL_PT,
    )
    features = review.tracks.features
    if not features:
        doc.paragraph("No position reports for this incident's units.")
        return
    doc.grid(
        ["Unit", "From", "To", "Reports", "Distance"],
        [
            cells(
                f.properties.name,
                fmt.clock(f.properties.start),
                fmt.clock(f.properties.end),
                f.properties.points,
                fmt.distance(f.properties.distance_m),
            )
            for f in features
        ],
        (4, 2, 2, 1.5, 2),
    )


def _messages(doc: ReportDocument, review: AfterActionReview, fmt: Formatter) -> None:
    doc.heading("Messages")
    if not review.messages:
        doc.paragraph("No messages.")
    for m in review.messages:
        doc.paragraph(f"{fmt.clock(m.at)} {m.sender}: {m.body}")
        doc.grid(
            ["Recipient", "Channel", "Status", "Tries", "Sent", "Failed", "Ack."],
            [
                cells(
                    d.recipient,
                    fmt.words(d.channel),
                    d.status,
                    d.attempts,
                    fmt.clock(d.sent_at),
                    fmt.clock(d.failed_at) + (f" {d.error}" if d.error else ""),
                    fmt.clock(d.acknowledged_at),
                )
                for d in m.deliveries
            ],
            (4, 2, 2, 1, 2, 3, 2),
        )
        for r in m.replies:
            via = f" by {fmt.words(r.channel)}" if r.channel else ""
            doc.paragraph(f"  {fmt.clock(r.at)} reply from {r.sender}{via}: {r.text}")


def _timeline(doc: ReportDocument, review: AfterActionReview, fmt: Formatter) -> None:
    doc.heading("Timeline")
    if not review.timeline:
        doc.paragraph("No events on record.")
        return
    doc.grid(
        ["Time", "#", "By", "What happened"],
        [cells(fmt.clock(e.at), e.seq, e.actor, e.summary) for e in review.timeline],
        (2, 1, 3, 10),
    )


def _integrity(doc: ReportDocument, review: AfterActionReview, fmt: Formatter) -> None:
    found = review.integrity
    doc.heading("Integrity of the record")
    doc.paragraph(fmt.integrity(review))
    if found.last_hash:
        doc.paragraph(
            f"Events {found.first_seq} to {found.last_seq}; hash of the last:"
            f" {found.last_hash}",
            size=SMALL_PT,
        )


SECTIONS: tuple[Section, ...] = (
    _title,
    _summary,
    _lifecycle,
    _assignments,
    _tracks,
    _messages,
    _timeline,
    _integrity,
)


def render_pdf(review: AfterActionReview, *, font: Path | None = None) -> bytes:
    """The review as PDF bytes; ``font`` is a TrueType file to embed."""
    document = ReportDocument(
        title=(
            f"Incident {review.incident.number} - after-action review -"
            f" {review.department.name}"
        ),
        font=font,
    )
    document.add_page()
    fmt = Formatter.of(review)
    for section in SECTIONS:
        section(document, review, fmt)
    return bytes(document.output())
