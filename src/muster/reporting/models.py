"""Tables of the reporting domain: target profiles a department defines."""

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from muster.core.db import Base


class ReportProfile(Base):
    """A department's own target profile, beside the shipped ones.

    ``targets`` maps an interval to its row classes, each a list of
    ``[seconds, share]`` tiers; ``is_default`` marks the profile reports use
    when none is asked for (at most one per department)."""

    __tablename__ = "report_profiles"

    department_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("departments.id"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    description: Mapped[str] = mapped_column(String(500))
    targets: Mapped[dict[str, Any]]
    ems_categories: Mapped[list[str]]
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]
