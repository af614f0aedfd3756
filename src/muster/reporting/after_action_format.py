"""How the printed after-action review shows times, durations and verdicts,
shared by the HTML and PDF documents. Times are shown in the department's
zone; the JSON keeps UTC."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from muster.reporting.after_action_schemas import (
    AfterActionReview,
    Escalation,
    IntervalResult,
)

NONE = "\u2013"  # an en dash: nothing to show


def duration(seconds: float | None) -> str:
    """``m:ss`` (``h:mm:ss`` from an hour), negative with a sign; rounded to the
    second."""
    if seconds is None:
        return NONE
    sign = "-" if seconds < 0 else ""
    whole = round(abs(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    return f"{sign}{minutes}:{secs:02d}"


def words(value: object) -> str:
    """An enumeration value as words (``en_route`` is "en route")."""
    if value is None or value == "":
        return NONE
    return str(value).replace("_", " ")


@dataclass(frozen=True, slots=True)
class Formatter:
    """Formats for one review: local times, with the date only where it
    differs from the day the incident was received."""

    zone: ZoneInfo
    first_day: str

    @classmethod
    def of(cls, review: AfterActionReview) -> "Formatter":
        zone = ZoneInfo(review.department.timezone)
        received = review.lifecycle.received_at.astimezone(zone)
        return cls(zone=zone, first_day=received.date().isoformat())

    def stamp(self, at: datetime | None) -> str:
        """Date and time, local."""
        if at is None:
            return NONE
        return at.astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S")

    def clock(self, at: datetime | None) -> str:
        """The local time of day, with the date when it is not the first day."""
        if at is None:
            return NONE
        local = at.astimezone(self.zone)
        if local.date().isoformat() == self.first_day:
            return local.strftime("%H:%M:%S")
        return local.strftime("%m-%d %H:%M:%S")

    @staticmethod
    def duration(seconds: float | None) -> str:
        return duration(seconds)

    @staticmethod
    def words(value: object) -> str:
        return words(value)

    @staticmethod
    def target(result: IntervalResult) -> str:
        if result.target_s is None:
            return NONE
        share = f" ({result.target_percentile:.0%})" if result.target_percentile else ""
        return f"{duration(result.target_s)}{share}"

    @staticmethod
    def verdict(result: IntervalResult) -> str:
        """ "met", "missed", or a dash without a judgement."""
        if result.met is None:
            return NONE
        return "met" if result.met else "missed"

    @staticmethod
    def escalation(found: Escalation) -> str:
        """What an escalation led to, after the name of what was escalated."""
        if found.next_candidate:
            outcome = f"next candidate {found.next_candidate}"
        else:
            outcome = "no candidate" + (
                f": {found.shortfall}" if found.shortfall else ""
            )
        return f"escalated ({found.cause}): {outcome}"

    @staticmethod
    def distance(metres: float) -> str:
        return f"{metres / 1000:.2f} km" if metres >= 1000 else f"{metres:.0f} m"

    @staticmethod
    def coordinates(lat: float, lon: float) -> str:
        return f"{lat:.5f}, {lon:.5f}"

    @staticmethod
    def integrity(review: AfterActionReview) -> str:
        found = review.integrity
        if found.verified is None:
            return "No events on record."
        if found.verified:
            return (
                f"Intact: {found.events_checked} events of the department's chain"
                f" verified, from sequence {found.first_seq} on."
            )
        return (
            f"BROKEN at sequence {found.broken_seq}: {found.reason}."
            " The record may have been altered."
        )
