"""Report pages' filter forms: read leniently, and say which filters were wrong."""

from collections.abc import Callable, Mapping
from typing import TypeVar

from pydantic import BaseModel, ValidationError

F = TypeVar("F", bound=BaseModel)


def checked_form(
    form_type: type[F], raw: Mapping[str, str], check: Callable[[F], object]
) -> tuple[F, str | None]:
    """The form from a query string, passed through ``check``; on bad input,
    the empty form and a message naming the filters to fix."""
    try:
        form = form_type.model_validate(raw)
        check(form)
    except ValidationError as exc:
        fields = ", ".join(str(e["loc"][-1]) for e in exc.errors() if e["loc"])
        return form_type(), f"Check these filters: {fields}."
    return form, None
