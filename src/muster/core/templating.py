"""The one Jinja2 environment every domain's pages and documents render with.

Templates live in ``muster/web/templates``, mirroring the domains; ``core`` reads
them as files, so domains below ``web`` can render without importing it."""

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

import muster
from muster.core import clock

TEMPLATE_DIR = Path(muster.__file__).parent / "web" / "templates"
STATIC_DIR = Path(muster.__file__).parent / "web" / "static"

environment = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=select_autoescape(["html", "svg", "xml"], default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def age(since: datetime) -> str:
    """How long ago ``since`` was, compactly: ``45 s``, ``12 min``, ``3 h 05``."""
    seconds = max(0, int((clock.now() - since).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d}"


def local_time(at: datetime, zone: str, fmt: str = "%H:%M:%S") -> str:
    """``at`` on the clocks of ``zone``."""
    return at.astimezone(ZoneInfo(zone)).strftime(fmt)


environment.filters["age"] = age
environment.filters["local"] = local_time


def render(name: str, **context: Any) -> str:
    """The template ``name`` rendered with ``context``; a missing variable raises."""
    return environment.get_template(name).render(**context)
