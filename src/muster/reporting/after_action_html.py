"""The after-action review as a printable HTML document (A4, inline CSS and an
inline SVG map: nothing to fetch)."""

from typing import Any

from muster.core.templating import render
from muster.reporting.after_action_format import Formatter
from muster.reporting.after_action_schemas import AfterActionReview
from muster.reporting.track_map import layout_map, render_svg

DOCUMENT = "reports/after_action.html"
BODY = "reports/_after_action_body.html"


def body_context(review: AfterActionReview) -> dict[str, Any]:
    """What ``BODY`` needs, for the document here or a page that includes it."""
    layout = layout_map(
        incident=(review.incident.lat, review.incident.lon),
        stations=review.stations,
        tracks=review.tracks,
    )
    return {
        "review": review,
        "fmt": Formatter.of(review),
        "map_svg": render_svg(layout),
    }


def render_html(review: AfterActionReview) -> str:
    return render(DOCUMENT, **body_context(review))
