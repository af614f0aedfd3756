"""``muster after-action`` as a real process."""

import json

import pytest
from pypdf import PdfReader

from tests.cli.test_cli import _muster
from tests.factories.api import make_incident, make_incident_type
from tests.factories.org import make_caller


@pytest.fixture
async def incident(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    made = await make_incident(client, caller, description="Привет — café ✓")
    return caller, made


async def test_after_action_writes_pdf_by_default(app, database, incident, tmp_path):
    caller, made = incident
    out = tmp_path / "review.pdf"

    code, stdout, stderr = await _muster(
        database,
        "after-action",
        "--department",
        caller.department_slug,
        "--incident",
        made["number"],
        "--out",
        str(out),
    )

    assert code == 0, stderr
    assert f"wrote the after-action review of {made['number']}" in stdout
    text = PdfReader(out).pages[0].extract_text()
    assert f"Incident {made['number']}" in text
    assert "café" in text


@pytest.mark.parametrize(("form", "marker"), [("json", "{"), ("html", "<!doctype")])
async def test_after_action_writes_json_and_html(
    database, incident, tmp_path, form, marker
):
    caller, made = incident
    out = tmp_path / f"review.{form}"

    code, _, stderr = await _muster(
        database,
        "after-action",
        "--department",
        caller.department_slug,
        "--incident",
        made["number"],
        "--format",
        form,
        "--out",
        str(out),
    )

    assert code == 0, stderr
    content = out.read_text(encoding="utf-8")
    assert content.startswith(marker)
    if form == "json":
        assert json.loads(content)["incident"]["id"] == made["id"]


async def test_after_action_unknown_incident_exits_1_and_writes_nothing(
    app, database, incident, tmp_path
):
    caller, _ = incident
    out = tmp_path / "review.pdf"

    code, _, stderr = await _muster(
        database,
        "after-action",
        "--department",
        caller.department_slug,
        "--incident",
        "1999-000001",
        "--out",
        str(out),
    )

    assert code == 1
    assert "no incident numbered 1999-000001" in stderr
    assert not out.exists()


async def test_after_action_unwritable_file_exits_1(app, database, incident, tmp_path):
    caller, made = incident

    code, _, stderr = await _muster(
        database,
        "after-action",
        "--department",
        caller.department_slug,
        "--incident",
        made["number"],
        "--out",
        str(tmp_path / "missing" / "review.pdf"),
    )

    assert code == 1
    assert "cannot write" in stderr
