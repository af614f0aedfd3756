"""The one Jinja2 environment every domain's pages and documents render with.

Templates live in ``muster/web/templates``, mirroring the domains; ``core`` reads
them as files, so domains below ``web`` can render without importing it."""

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

import muster

TEMPLATE_DIR = Path(muster.__file__).parent / "web" / "templates"
STATIC_DIR = Path(muster.__file__).parent / "web" / "static"

environment = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=select_autoescape(["html", "svg", "xml"], default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(name: str, **context: Any) -> str:
    """The template ``name`` rendered with ``context``; a missing variable raises."""
    return environment.get_template(name).render(**context)
