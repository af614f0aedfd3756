"""Lines for mutual aid and for a department's set-up (stations, tokens,
endpoints, types, plans): rare on an incident's timeline, but every kind has
a line of its own."""

from muster.reporting.after_action_loading import Names
from muster.reporting.event_text import Data, Describer, changes, quote, text, words


def _aid(outcome: str) -> Describer:
    def describer(data: Data, names: Names) -> str:
        unit = text(data, "unit_name") or names.unit(data.get("unit_id"))
        lender = names.department(data.get("provider_department_id"))
        return f"Mutual-aid request for {unit} of {lender} {outcome}"

    return describer


def _aid_received(data: Data, names: Names) -> str:
    asker = names.department(data.get("department_id"))
    return _aid(f"received from {asker}")(data, names)


def _aid_declined(data: Data, names: Names) -> str:
    reason = text(data, "reason")
    return _aid("declined" + (f": {reason}" if reason else ""))(data, names)


def _aid_link(outcome: str) -> Describer:
    def describer(data: Data, names: Names) -> str:
        asker = names.department(data.get("department_id"))
        lender = names.department(data.get("partner_id"))
        return f"Mutual aid from {lender} to {asker} {outcome}"

    return describer


def _named(what: str, key: str, outcome: str) -> Describer:
    def describer(data: Data, names: Names) -> str:
        return f"{what} {text(data, key, '?')} {outcome}"

    return describer


def _endpoint(outcome: str) -> Describer:
    def describer(data: Data, names: Names) -> str:
        kind = words(data.get("kind", "notification")).capitalize()
        channel = words(data.get("channel"))
        return f"{kind} endpoint {quote(text(data, 'name'))} ({channel}) {outcome}"

    return describer


def _station_updated(data: Data, names: Names) -> str:
    return f"Station changed: {changes(data)}"


def _token_created(data: Data, names: Names) -> str:
    return f"API token {quote(text(data, 'name'))} created"


def _token_revoked(data: Data, names: Names) -> str:
    return "API token revoked"


def _unit_type_updated(data: Data, names: Names) -> str:
    return f"Unit type changed: {changes(data)}"


def _imported(data: Data, names: Names) -> str:
    source = text(data, "source_slug", "?")
    return f"Department imported from an archive of {source}"


def _profile(outcome: str) -> Describer:
    def describer(data: Data, names: Names) -> str:
        return f"Target profile {quote(text(data, 'name'))} {outcome}"

    return describer


def _settings_updated(data: Data, names: Names) -> str:
    return f"Dispatch settings changed: {changes(data)}"


SETUP_LINES: dict[str, Describer] = {
    "mutual_aid.requested": _aid("sent"),
    "mutual_aid.request_received": _aid_received,
    "mutual_aid.accepted": _aid("accepted"),
    "mutual_aid.declined": _aid_declined,
    "mutual_aid.withdrawn": _aid("withdrawn"),
    "mutual_aid.linked": _aid_link("granted"),
    "mutual_aid.unlinked": _aid_link("withdrawn"),
    "department.created": _named("Department", "name", "created"),
    "station.created": _named("Station", "code", "created"),
    "station.updated": _station_updated,
    "token.created": _token_created,
    "token.revoked": _token_revoked,
    "endpoint.created": _endpoint("created"),
    "endpoint.updated": _endpoint("changed"),
    "endpoint.removed": _endpoint("removed"),
    "incident_type.created": _named("Incident type", "code", "created"),
    "unit_type.created": _named("Unit type", "code", "created"),
    "unit_type.updated": _unit_type_updated,
    "department.imported": _imported,
    "report_profile.saved": _profile("saved"),
    "report_profile.deleted": _profile("deleted"),
    "unit.created": _named("Unit", "name", "created"),
    "member.added": _named("Member", "name", "added"),
    "response_plan.created": _named("Response plan for", "incident_type", "created"),
    "dispatch.settings_updated": _settings_updated,
}
