"""Reading a calls-for-service CSV (one row per unit sent to a call).

Exports of the public dataset differ in column names (``Received DtTm``,
``received_dttm``) and time formats (``12/31/2016 11:57:56 PM``, ISO 8601),
so headers are normalised (lower case, letters and digits only) and matched
against known aliases, and both time formats are read. Times without an
offset are the department's local time. A malformed row is skipped with a
reason; a file without the columns a call needs is refused whole.
"""

import csv
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from muster.reporting.errors import NotACallsFile

# Canonical field: accepted normalised headers, preferred first.
ALIASES: dict[str, tuple[str, ...]] = {
    "call_number": ("callnumber", "callno"),
    "incident_number": ("incidentnumber", "incidentno"),
    "unit_id": ("unitid", "unit"),
    "unit_type": ("unittype",),
    "call_type": ("calltype",),
    "call_type_group": ("calltypegroup",),
    "received": ("receiveddttm", "receiveddatetime", "receivedtimestamp", "received"),
    "dispatched": ("dispatchdttm", "dispatchdatetime", "dispatchtimestamp"),
    "en_route": ("responsedttm", "responsedatetime", "enroutedttm"),
    "on_scene": ("onscenedttm", "onscenedatetime", "onscenetimestamp"),
    "available": ("availabledttm", "availabledatetime", "availabletimestamp"),
    "disposition": ("callfinaldisposition", "finaldisposition", "disposition"),
    "address": ("address",),
    "station_area": ("stationarea",),
    "priority": ("priority", "finalpriority", "originalpriority"),
    "location": ("location", "caselocation", "point"),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lon", "long"),
}
REQUIRED = ("call_number", "unit_id", "call_type", "received")

_US_TIME_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M")
_PAIR = re.compile(r"^\(\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*\)$")
_WKT_POINT = re.compile(r"^POINT\s*\(\s*(-?[\d.]+)\s+(-?[\d.]+)\s*\)$", re.IGNORECASE)


class RowError(ValueError):
    """A row that can't be imported; the message is the counted reason."""


@dataclass(frozen=True, slots=True)
class UnitRow:
    """One unit's part in a call, times in UTC."""

    call_number: str
    incident_number: str | None
    unit_id: str
    unit_type: str | None
    call_type: str
    call_type_group: str
    received: datetime
    dispatched: datetime
    en_route: datetime | None
    on_scene: datetime | None
    available: datetime | None
    disposition: str | None
    address: str | None
    station_area: str | None
    priority: str | None
    lat: float
    lon: float


@dataclass
class ParsedFile:
    rows: list[UnitRow] = field(default_factory=list)
    read: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


def normalise_header(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def column_map(header: Iterable[str]) -> dict[str, int]:
    """Canonical field to column index. Raises ``NotACallsFile``."""
    positions = {normalise_header(name): i for i, name in enumerate(header)}
    found = {}
    for canonical, aliases in ALIASES.items():
        for alias in aliases:
            if alias in positions:
                found[canonical] = positions[alias]
                break
    missing = [name for name in REQUIRED if name not in found]
    if missing:
        raise NotACallsFile(
            "not a calls-for-service CSV: no column for " + ", ".join(missing)
        )
    if "location" not in found and not {"latitude", "longitude"} <= found.keys():
        raise NotACallsFile("not a calls-for-service CSV: no location column")
    return found


def parse_time(text: str, zone: ZoneInfo) -> datetime | None:
    """A time in one of the dataset's formats, in UTC; ``None`` if blank."""
    text = text.strip()
    if not text:
        return None
    for pattern in _US_TIME_FORMATS:
        try:
            local = datetime.strptime(text, pattern).replace(tzinfo=zone)
        except ValueError:
            continue
        return local.astimezone(UTC)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise RowError("unreadable time") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def parse_location(row: dict[str, str]) -> tuple[float, float]:
    """(lat, lon) from ``(lat, lon)``, ``POINT (lon lat)`` or two columns."""
    text = row.get("location", "").strip()
    if (pair := _PAIR.match(text)) is not None:
        lat, lon = float(pair[1]), float(pair[2])
    elif (point := _WKT_POINT.match(text)) is not None:
        lon, lat = float(point[1]), float(point[2])
    else:
        try:
            lat, lon = float(row.get("latitude", "")), float(row.get("longitude", ""))
        except ValueError as exc:
            raise RowError("no location") from exc
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise RowError("location out of range")
    return lat, lon


def _text(row: dict[str, str], name: str, limit: int) -> str | None:
    value = row.get(name, "").strip()
    return value[:limit] if value else None


def _time(row: dict[str, str], name: str, zone: ZoneInfo) -> datetime | None:
    try:
        return parse_time(row.get(name, ""), zone)
    except RowError as exc:
        raise RowError(f"unreadable {name} time") from exc


def unit_row(row: dict[str, str], zone: ZoneInfo) -> UnitRow:
    """One CSV row as a ``UnitRow``. Raises ``RowError`` with the reason."""
    call_number = _text(row, "call_number", 64)
    unit_id = _text(row, "unit_id", 64)
    call_type = _text(row, "call_type", 200)
    if call_number is None or unit_id is None or call_type is None:
        raise RowError("no call number, unit or call type")
    received = _time(row, "received", zone)
    dispatched = _time(row, "dispatched", zone)
    if received is None or dispatched is None:
        raise RowError("no received or dispatch time")
    lat, lon = parse_location(row)
    return UnitRow(
        call_number=call_number,
        incident_number=_text(row, "incident_number", 16),
        unit_id=unit_id,
        unit_type=_text(row, "unit_type", 200),
        call_type=call_type,
        call_type_group=_text(row, "call_type_group", 200) or "",
        received=received,
        dispatched=dispatched,
        en_route=_time(row, "en_route", zone),
        on_scene=_time(row, "on_scene", zone),
        available=_time(row, "available", zone),
        disposition=_text(row, "disposition", 2000),
        address=_text(row, "address", 500),
        station_area=_text(row, "station_area", 32),
        priority=_text(row, "priority", 8),
        lat=lat,
        lon=lon,
    )


def _records(source: TextIO) -> Iterator[list[str]]:
    try:
        yield from csv.reader(source)
    except (csv.Error, UnicodeDecodeError) as exc:
        raise NotACallsFile(f"not a readable CSV file: {exc}") from exc


def read_calls(source: TextIO, zone: ZoneInfo) -> ParsedFile:
    """Every row of ``source``; malformed ones are counted by reason, not raised.

    Raises ``NotACallsFile`` for a file without the needed columns.
    """
    records = _records(source)
    header = next(records, None)
    if header is None:
        raise NotACallsFile("not a calls-for-service CSV: the file is empty")
    columns = column_map(header)
    parsed = ParsedFile()
    for record in records:
        parsed.read += 1
        if len(record) != len(header):
            parsed.skipped["wrong number of cells"] += 1
            continue
        named = {name: record[index] for name, index in columns.items()}
        try:
            parsed.rows.append(unit_row(named, zone))
        except RowError as exc:
            parsed.skipped[str(exc)] += 1
    return parsed
