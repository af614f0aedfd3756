"""The plainer sections of an after-action review: the incident's summary, its
lifecycle, and its messages with their deliveries and replies."""

from collections.abc import Sequence

from muster.events.models import Event
from muster.incidents.models import Incident
from muster.messaging.models import Delivery
from muster.org.models import Station
from muster.reporting.after_action_loading import Names, Record
from muster.reporting.after_action_schemas import (
    CallerReport,
    DeliveryReview,
    IncidentSummary,
    IncidentTypeBrief,
    Lifecycle,
    MessageReview,
    Named,
    Reply,
)
from muster.reporting.after_action_schemas import StationBrief as StationRead
from muster.reporting.event_text import text


def station_brief(station: Station) -> StationRead:
    return StationRead(
        id=station.id,
        code=station.code,
        name=station.name,
        lat=station.lat,
        lon=station.lon,
    )


def incident_summary(record: Record) -> IncidentSummary:
    incident = record.incident
    kind = incident.incident_type
    owner = incident.owner_id
    station = record.stations.get(incident.station_id or "")
    return IncidentSummary(
        id=incident.id,
        number=incident.number,
        type=IncidentTypeBrief(code=kind.code, name=kind.name, category=kind.category),
        priority=incident.priority,
        status=incident.status,
        lat=incident.lat,
        lon=incident.lon,
        address=incident.address,
        description=incident.description,
        owner=Named(id=owner, name=record.names.member(owner)) if owner else None,
        disposition=incident.disposition,
        station=station_brief(station) if station else None,
        external_ref=incident.external_ref,
        reports=[
            CallerReport(
                name=r.caller_name,
                phone=r.caller_phone,
                text=r.text,
                received_at=r.received_at,
            )
            for r in record.reports
        ],
    )


def lifecycle(incident: Incident) -> Lifecycle:
    return Lifecycle(
        received_at=incident.received_at,
        dispatched_at=incident.dispatched_at,
        first_en_route_at=incident.first_en_route_at,
        first_on_scene_at=incident.first_on_scene_at,
        under_control_at=incident.under_control_at,
        closed_at=incident.closed_at,
    )


def _recipient(delivery: Delivery, names: Names) -> str:
    if delivery.member_id is not None:
        return names.member(delivery.member_id)
    if delivery.endpoint_id is not None:
        return names.endpoints.get(delivery.endpoint_id, "an integration")
    return "a recipient"


def _delivery(delivery: Delivery, names: Names) -> DeliveryReview:
    return DeliveryReview(
        id=delivery.id,
        recipient=_recipient(delivery, names),
        channel=delivery.channel,
        status=delivery.status,
        attempts=delivery.attempts,
        sent_at=delivery.sent_at,
        failed_at=delivery.failed_at,
        acknowledged_at=delivery.acknowledged_at,
        error=delivery.last_error,
    )


def _replies(events: Sequence[Event], names: Names) -> dict[str, list[Reply]]:
    """Replies recorded on the timeline, by the message they answer."""
    found: dict[str, list[Reply]] = {}
    for event in events:
        message_id = text(event.data, "message_id")
        if event.kind != "message.received" or not message_id:
            continue
        member_id = text(event.data, "member_id")
        found.setdefault(message_id, []).append(
            Reply(
                seq=event.seq,
                at=event.at,
                sender=names.members.get(member_id, event.actor),
                channel=text(event.data, "channel") or None,
                text=text(event.data, "text"),
                intent=text(event.data, "intent") or None,
            )
        )
    return found


def messages(record: Record) -> list[MessageReview]:
    replies = _replies(record.events, record.names)
    return [
        MessageReview(
            id=message.id,
            at=message.created_at,
            sender=message.sender,
            body=message.body,
            assignment_id=message.assignment_id,
            deliveries=[_delivery(d, record.names) for d in deliveries],
            replies=replies.get(message.id, []),
        )
        for message, deliveries in record.messages
    ]
