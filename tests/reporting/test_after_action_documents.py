"""The after-action review as HTML and PDF: what a chief prints."""

import io
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import update

from muster.core.db import transaction
from muster.events.models import Event
from muster.incidents.models import Incident
from muster.org.models import Station
from muster.units.models import PositionReport
from muster.web.app import create_app
from tests.factories.after_action import Worked, make_worked_incident
from tests.factories.api import make_incident, make_incident_type
from tests.factories.extra import get
from tests.factories.org import make_caller
from tests.factories.reporting import Call, Crew, add_calls, make_place

# Debian's fonts-dejavu-core; any TrueType font with Cyrillic would do.
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@pytest.fixture
async def worked(client, sessions, frozen) -> Worked:
    caller = await make_caller(sessions)
    return await make_worked_incident(client, sessions, caller, frozen)


async def _document(client, caller, incident_id: str, form: str):
    response = await get(
        client, caller, f"/incidents/{incident_id}/after-action", format=form
    )
    assert response.status_code == 200, response.text
    return response


def _pdf_pages(content: bytes) -> list[str]:
    assert content.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


class _Rows(HTMLParser):
    """Timeline rows and track polylines of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []
        self.polylines: dict[str, str] = {}
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        found = dict(attrs)
        if tag == "tr" and found.get("class") == "event":
            self.events.append(found["data-kind"])
        if tag == "polyline":
            self.polylines[found["data-unit"]] = found["points"]
        if tag == "script":
            self.scripts += 1


async def test_html_has_a_row_per_event_and_a_polyline_per_unit(client, worked):
    response = await _document(client, worked.caller, worked.incident["id"], "html")
    review = (
        await _document(client, worked.caller, worked.incident["id"], "json")
    ).json()

    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    rows = _Rows()
    rows.feed(response.text)
    assert rows.events == [e["kind"] for e in review["timeline"]]
    assert set(rows.polylines) == {"E1", "E3"}
    assert all(len(p.split()) == 3 for p in rows.polylines.values())
    for entry in review["timeline"]:
        summary = entry["summary"].replace("&", "&amp;").replace("<", "&lt;")
        assert f"<td>{summary}</td>" in response.text.replace("&#34;", '"')
    assert f"After-action review: incident {worked.incident['number']}" in response.text
    assert "Привет — café ✓" in response.text
    assert "<svg" in response.text
    assert "1 km" in response.text


async def test_html_shows_targets_and_verdicts(client, worked):
    response = await _document(client, worked.caller, worked.incident["id"], "html")

    text = re.sub(r"\s+", " ", response.text)
    assert (
        "<td>Turnout</td><td>1:40</td> <td>1:20 (90%)</td>"
        '<td class="verdict missed">missed</td>' in text
    )
    assert "Call processing" in text
    assert "E2 escalated (declined): next candidate E3" in text
    assert "Copy, staging at the hydrant" in text
    assert "Intact:" in text


async def test_html_escapes_what_people_typed(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(
        client, caller, description="<script>alert('x')</script> & more"
    )

    response = await _document(client, caller, incident["id"], "html")

    rows = _Rows()
    rows.feed(response.text)
    assert rows.scripts == 0
    assert "&lt;script&gt;" in response.text


async def test_pdf_has_number_on_every_page_and_every_section(client, worked):
    response = await _document(client, worked.caller, worked.incident["id"], "pdf")

    assert response.headers["content-type"] == "application/pdf"
    number = worked.incident["number"]
    assert (
        response.headers["content-disposition"]
        == f'inline; filename="after-action-{number}.pdf"'
    )
    pages = _pdf_pages(response.content)
    assert len(pages) >= 2
    for index, text in enumerate(pages, start=1):
        assert f"Incident {number}" in text
        assert f"Page {index} of {len(pages)}" in text
    whole = "\n".join(pages)
    for heading in (
        "Lifecycle and intervals",
        "Assignments",
        "Tracks",
        "Messages",
        "Timeline",
        "Integrity of the record",
    ):
        assert heading in whole
    assert "E2 declined" in whole
    assert "missed" in whole
    assert "Copy, staging at the hydrant" in whole


async def test_pdf_prints_text_beyond_latin1_without_failing(client, worked):
    response = await _document(client, worked.caller, worked.incident["id"], "pdf")

    whole = "\n".join(_pdf_pages(response.content))
    assert "Smoke from a kitchen: ?????? — café v" in whole


async def test_pdf_with_configured_font_prints_cyrillic(settings, worked):
    embedding = create_app(settings.model_copy(update={"pdf_font": DEJAVU}))
    transport = httpx.ASGITransport(app=embedding)
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://muster.test"
        ) as client:
            response = await _document(
                client, worked.caller, worked.incident["id"], "pdf"
            )
    finally:
        await embedding.state.engine.dispose()

    whole = "\n".join(_pdf_pages(response.content))
    assert "Привет — café ✓" in whole
    assert f"Incident {worked.incident['number']}" in whole


@pytest.mark.parametrize("form", ["json", "html", "pdf"])
async def test_incident_without_assignments_or_positions_renders(
    client, sessions, form
):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(client, caller)

    response = await _document(client, caller, incident["id"], form)

    if form == "html":
        assert "No units or people were assigned." in response.text
        assert "No position reports" in response.text
        assert "<polyline" not in response.text
    if form == "pdf":
        whole = "\n".join(_pdf_pages(response.content))
        assert "No units or people were assigned." in whole
        assert "No messages." in whole


@pytest.mark.parametrize("form", ["json", "html", "pdf"])
async def test_incident_without_events_renders_with_no_integrity_verdict(
    client, sessions, form
):
    caller = await make_caller(sessions)
    place = await make_place(sessions, caller.department_id)
    [incident_id] = await add_calls(
        sessions,
        place,
        Call(at=datetime(2026, 5, 4, 12, tzinfo=UTC), dispatched=30, on_scene=300),
    )

    response = await _document(client, caller, incident_id, form)

    if form == "json":
        assert response.json()["integrity"]["verified"] is None
        assert response.json()["timeline"] == []
    else:
        text = (
            response.text if form == "html" else "\n".join(_pdf_pages(response.content))
        )
        assert "No events on record." in text


async def _lone_report_call(sessions, caller) -> str:
    """A hand-made call in station area S1 with a source reference, whose
    engine reported its position once while on it."""
    place = await make_place(sessions, caller.department_id)
    at = datetime(2026, 5, 4, 12, tzinfo=UTC)
    crew = Crew("E1", dispatched=30, en_route=60, on_scene=300, cleared=3000)
    [incident_id] = await add_calls(
        sessions, place, Call(at=at, station="S1", dispatched=30, crews=[crew])
    )
    async with transaction(sessions) as session:
        await session.execute(
            update(Incident)
            .where(Incident.id == incident_id)
            .values(external_ref="CALL-17")
        )
        await session.execute(
            update(Station)
            .where(Station.id == place.stations["S1"])
            .values(lat=37.76, lon=-122.43)
        )
        session.add(
            PositionReport(
                department_id=caller.department_id,
                unit_id=place.units["E1"],
                at=at + timedelta(seconds=100),
                lat=37.771,
                lon=-122.421,
                received_at=at + timedelta(seconds=100),
            )
        )
    return incident_id


async def test_documents_show_reference_station_area_and_a_lone_report(
    client, sessions
):
    caller = await make_caller(sessions)
    incident_id = await _lone_report_call(sessions, caller)

    review = (await _document(client, caller, incident_id, "json")).json()
    html = (await _document(client, caller, incident_id, "html")).text
    pdf = "\n".join(
        _pdf_pages((await _document(client, caller, incident_id, "pdf")).content)
    )

    assert review["incident"]["external_ref"] == "CALL-17"
    assert review["incident"]["station"]["code"] == "S1"
    [track] = review["tracks"]["features"]
    assert track["geometry"] == {"type": "Point", "coordinates": [-122.421, 37.771]}
    assert "<circle" in html
    assert ">S1</text>" in html
    assert "CALL-17" in html
    assert "CALL-17" in pdf
    assert "Station area S1" in pdf


async def test_documents_say_when_the_record_is_broken(client, sessions, worked):
    async with transaction(sessions) as session:
        await session.execute(
            update(Event)
            .where(Event.incident_id == worked.incident["id"])
            .values(actor="someone else")
        )
    first = (
        await _document(client, worked.caller, worked.incident["id"], "json")
    ).json()
    seq = first["timeline"][0]["seq"]

    html = (await _document(client, worked.caller, worked.incident["id"], "html")).text
    pdf = (await _document(client, worked.caller, worked.incident["id"], "pdf")).content

    assert f"BROKEN at sequence {seq}" in html
    assert f"BROKEN at sequence {seq}" in "\n".join(_pdf_pages(pdf))
