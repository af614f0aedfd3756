"""One readable line per event, for timelines people read (after-action reviews).

Every kind the services append has a line of its own (``known_kinds``); a
kind this module does not know gets a generic one. See ``event_text`` for how
payloads are read.
"""

from collections.abc import Callable, Mapping

from muster.reporting.after_action_loading import Names
from muster.reporting.event_lines_setup import SETUP_LINES
from muster.reporting.event_text import (
    Data,
    Describer,
    changes,
    from_to,
    quote,
    subject,
    text,
    utc_time,
    words,
)

_LINES: dict[str, Describer] = dict(SETUP_LINES)


def _line(kind: str) -> Callable[[Describer], Describer]:
    def register(describer: Describer) -> Describer:
        _LINES[kind] = describer
        return describer

    return register


def known_kinds() -> frozenset[str]:
    """The kinds that have a line of their own."""
    return frozenset(_LINES)


def describe(kind: str, data: object, names: Names) -> str:
    """The line for one event of ``kind`` with payload ``data``."""
    describer = _LINES.get(kind)
    if describer is None:
        noun, _, verb = kind.partition(".")
        what = noun.replace("_", " ").capitalize() or "Event"
        return f"{what}: {verb.replace('_', ' ') or 'recorded'}"
    return describer(data if isinstance(data, Mapping) else {}, names)


# Incidents ----------------------------------------------------------------------------


@_line("incident.created")
def _incident_created(data: Data, names: Names) -> str:
    address = text(data.get("location"), "address")
    return (
        f"Incident {text(data, 'number', '?')} created:"
        f" {text(data, 'type', '?')}, priority {text(data, 'priority', '?')}"
        + (f", at {address}" if address else "")
    )


@_line("incident.imported")
def _incident_imported(data: Data, names: Names) -> str:
    units = data.get("units")
    count = len(units) if isinstance(units, list) else 0
    return (
        f"Imported from {text(data, 'source', 'another system')} as"
        f" {text(data, 'number', '?')} with {count} unit(s)"
    )


@_line("incident.updated")
def _incident_updated(data: Data, names: Names) -> str:
    return f"Incident changed: {changes(data)}"


@_line("incident.report_added")
def _report_added(data: Data, names: Names) -> str:
    caller = " ".join(p for p in (text(data, "name"), text(data, "phone")) if p)
    report = text(data, "report")
    return (
        "Another caller"
        + (f" ({caller})" if caller else "")
        + (f": {quote(report)}" if report else "")
    )


@_line("incident.note_added")
def _note_added(data: Data, names: Names) -> str:
    return f"Note: {quote(text(data, 'text'))}"


@_line("incident.status_changed")
def _incident_status(data: Data, names: Names) -> str:
    reason = text(data, "reason")
    return f"Status {from_to(data)}" + (f" ({reason})" if reason else "")


@_line("incident.closed")
def _incident_closed(data: Data, names: Names) -> str:
    disposition = text(data, "disposition")
    return f"Closed (was {words(data.get('from'))})" + (
        f": {quote(disposition)}" if disposition else ""
    )


@_line("incident.reopened")
def _incident_reopened(data: Data, names: Names) -> str:
    return f"Reopened: {from_to(data)}"


@_line("incident.dispatched")
def _incident_dispatched(data: Data, names: Names) -> str:
    units = data.get("units")
    sent = ", ".join(str(u) for u in units) if isinstance(units, list) else ""
    found = data.get("shortfalls")
    short = (
        [text(s, "reason") for s in found if text(s, "reason")]
        if isinstance(found, list)
        else []
    )
    line = f"Alarm {text(data, 'alarm', '1')} dispatched: {sent or 'no units'}"
    return line + (f"; short: {'; '.join(short)}" if short else "")


@_line("incident.supervisor_alerted")
def _supervisor_alerted(data: Data, names: Names) -> str:
    supervisor = data.get("supervisor_id")
    whom = names.member(supervisor) if supervisor else "Every supervisor"
    return (
        f"{whom} alerted: the assignment of"
        f" {names.assignment(data.get('assignment_id'))}"
        f" was {text(data, 'cause', 'escalated')}"
    )


# Assignments --------------------------------------------------------------------------


@_line("assignment.created")
def _assignment_created(data: Data, names: Names) -> str:
    name = text(data, "name") or subject(data, names)
    detail = ", ".join(
        p for p in (f"alarm {text(data, 'alarm', '1')}", text(data, "capability")) if p
    )
    requested = " from mutual aid" if data.get("status") == "requested" else ""
    reason = text(data, "reason")
    return f"{name} assigned{requested} ({detail})" + (f": {reason}" if reason else "")


@_line("assignment.acknowledged")
def _acknowledged(data: Data, names: Names) -> str:
    how = " by moving" if data.get("implicit") is True else ""
    return f"{subject(data, names)} acknowledged{how}: responding"


@_line("assignment.declined")
def _declined(data: Data, names: Names) -> str:
    return f"{subject(data, names)} declined"


@_line("assignment.repaged")
def _repaged(data: Data, names: Names) -> str:
    return f"{subject(data, names)} paged again (page {text(data, 'page', '?')})"


@_line("assignment.escalated")
def _escalated(data: Data, names: Names) -> str:
    line = (
        f"Assignment of {names.assignment(data.get('assignment_id'))} escalated"
        f" ({text(data, 'cause', 'unanswered')})"
    )
    following = data.get("next")
    if isinstance(following, Mapping):
        return f"{line}; next candidate {text(following, 'name', '?')}"
    shortfall = text(data, "shortfall")
    return f"{line}; no candidate" + (f": {shortfall}" if shortfall else "")


@_line("assignment.cleared")
def _cleared(data: Data, names: Names) -> str:
    return f"{subject(data, names)} cleared"


# Units and people ---------------------------------------------------------------------


def _unit_name(data: Data, names: Names) -> str:
    return text(data, "unit") or names.unit(data.get("unit_id"))


def _member_name(data: Data, names: Names) -> str:
    return text(data, "member") or names.member(data.get("member_id"))


@_line("unit.status_changed")
def _unit_status(data: Data, names: Names) -> str:
    aid = " (mutual aid)" if data.get("mutual_aid_from") else ""
    return f"{_unit_name(data, names)}{aid}: {from_to(data)}"


@_line("unit.moved")
def _unit_moved(data: Data, names: Names) -> str:
    moved = data.get("changes")
    lat, lon = text(moved, "lat"), text(moved, "lon")
    return f"{_unit_name(data, names)} moved" + (
        f" to {lat}, {lon}" if lat and lon else ""
    )


@_line("unit.updated")
def _unit_updated(data: Data, names: Names) -> str:
    return f"{_unit_name(data, names)} changed: {changes(data)}"


@_line("unit.staffing_changed")
def _unit_staffing(data: Data, names: Names) -> str:
    after = data.get("to")
    return (
        f"{_unit_name(data, names)} now {words(text(after, 'staffing', '?'))},"
        f" crew of {text(after, 'crew_size', '?')}"
    )


@_line("member.status_changed")
def _member_status(data: Data, names: Names) -> str:
    eta = utc_time(text(data, "eta_at"))
    return f"{_member_name(data, names)}: {from_to(data)}" + (
        f", expected at {eta}" if eta else ""
    )


@_line("member.staffing_changed")
def _member_staffing(data: Data, names: Names) -> str:
    return f"{_member_name(data, names)} readiness {from_to(data)}"


@_line("member.updated")
def _member_updated(data: Data, names: Names) -> str:
    return f"{_member_name(data, names)} changed: {changes(data)}"


@_line("member.password_set")
def _password_set(data: Data, names: Names) -> str:
    return f"Password of {_member_name(data, names)} set"


@_line("member.logged_in")
def _logged_in(data: Data, names: Names) -> str:
    return "Logged in"


@_line("member.contact_added")
def _contact_added(data: Data, names: Names) -> str:
    return (
        f"{_member_name(data, names)} added a"
        f" {words(text(data, 'channel', 'new'))} contact"
    )


@_line("member.contact_removed")
def _contact_removed(data: Data, names: Names) -> str:
    return f"{_member_name(data, names)} removed a contact"


# Messages -----------------------------------------------------------------------------


@_line("message.sent")
def _message_sent(data: Data, names: Names) -> str:
    channels = data.get("channels")
    by = ", ".join(words(c) for c in channels) if isinstance(channels, list) else ""
    return (
        f"Message, {text(data, 'deliveries', '0')} deliveries"
        + (f" by {by}" if by else "")
        + f": {quote(text(data, 'body'))}"
    )


@_line("message.received")
def _message_received(data: Data, names: Names) -> str:
    sender = names.member(data["member_id"]) if data.get("member_id") else "Someone"
    channel, intent = text(data, "channel"), text(data, "intent")
    return (
        f"Reply from {sender}"
        + (f" by {words(channel)}" if channel else "")
        + f": {quote(text(data, 'text'))}"
        + (f" (read as {intent})" if intent else "")
    )


def _delivery(outcome: str) -> Describer:
    def describer(data: Data, names: Names) -> str:
        if data.get("member_id"):
            recipient = names.member(data["member_id"])
        else:
            recipient = names.endpoints.get(
                str(data.get("endpoint_id")), "an integration"
            )
        channel = words(data.get("channel", "a")).capitalize()
        error = text(data, "error") if outcome == "failed" else ""
        attempts = f" after {text(data, 'attempts', '?')} attempt(s)" if error else ""
        return f"{channel} delivery to {recipient} {outcome}{attempts}" + (
            f": {error}" if error else ""
        )

    return describer


_LINES["delivery.sent"] = _delivery("sent")
_LINES["delivery.failed"] = _delivery("failed")
_LINES["delivery.acknowledged"] = _delivery("acknowledged")
