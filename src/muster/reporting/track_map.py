"""The units' tracks of one incident: GeoJSON for the record, and a small map
(equirectangular, scaled by the cosine of the latitude; no tiles) laid out once
and drawn as SVG for the HTML document and with lines for the PDF.

Map coordinates are millimetres-like units in a ``WIDTH`` by ``HEIGHT`` box,
``y`` growing downwards.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from itertools import pairwise

from markupsafe import Markup

from muster.core.geo import EARTH_RADIUS_M, distance_m
from muster.reporting.after_action_loading import Fix
from muster.reporting.after_action_schemas import (
    StationBrief,
    TrackFeature,
    TrackGeometry,
    TrackProperties,
    Tracks,
)

WIDTH, HEIGHT = 180.0, 110.0
MAX_POINTS = 1000
# Ten colours that stay apart on screen and on paper; units beyond ten reuse them.
PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#7f7f7f",
    "#bcbd22",
)
_PAD = 0.08
_MIN_SPAN_M = 400.0
_METRES_PER_DEGREE = math.pi / 180 * EARTH_RADIUS_M
_NICE = (1, 2, 5)


@dataclass(frozen=True, slots=True)
class TrackInput:
    """One unit assignment's reports, in time order."""

    assignment_id: str
    unit_id: str
    name: str
    fixes: Sequence[Fix]


def _thinned(fixes: Sequence[Fix]) -> list[Fix]:
    """At most ``MAX_POINTS`` reports, evenly picked, the first and last kept."""
    if len(fixes) <= MAX_POINTS:
        return list(fixes)
    step = (len(fixes) - 1) / (MAX_POINTS - 1)
    return [fixes[round(i * step)] for i in range(MAX_POINTS)]


def _length_m(fixes: Sequence[Fix]) -> float:
    return sum(distance_m(a.lat, a.lon, b.lat, b.lon) for a, b in pairwise(fixes))


def _feature(track: TrackInput, colour: str) -> TrackFeature:
    kept = _thinned(track.fixes)
    coordinates = [[fix.lon, fix.lat] for fix in kept]
    geometry = (
        TrackGeometry(type="LineString", coordinates=coordinates)
        if len(coordinates) > 1
        else TrackGeometry(type="Point", coordinates=coordinates[0])
    )
    first, last = track.fixes[0].at, track.fixes[-1].at
    return TrackFeature(
        geometry=geometry,
        properties=TrackProperties(
            assignment_id=track.assignment_id,
            unit_id=track.unit_id,
            name=track.name,
            colour=colour,
            start=first,
            end=last,
            points=len(track.fixes),
            distance_m=round(_length_m(track.fixes), 1),
        ),
    )


def build_tracks(tracks: Sequence[TrackInput]) -> Tracks:
    """One feature per track with reports, coloured in order of dispatch.

    Long tracks are thinned to ``MAX_POINTS`` for drawing; ``points`` and
    ``distance_m`` count every report.
    """
    features: list[TrackFeature] = []
    for track in tracks:
        if track.fixes:
            features.append(_feature(track, PALETTE[len(features) % len(PALETTE)]))
    return Tracks(features=features)


# Layout ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Line:
    name: str
    colour: str
    points: list[tuple[float, float]]


@dataclass(frozen=True, slots=True)
class Marker:
    kind: str  # "incident" or "station"
    label: str
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class MapLayout:
    lines: list[Line]
    markers: list[Marker]
    scale_length: float  # map units
    scale_label: str
    width: float = WIDTH
    height: float = HEIGHT


@dataclass(frozen=True, slots=True)
class _Projection:
    """Longitude and latitude to map units around a centre."""

    lat0: float
    lon0: float
    cos0: float
    units_per_degree: float

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        x = WIDTH / 2 + (lon - self.lon0) * self.cos0 * self.units_per_degree
        y = HEIGHT / 2 - (lat - self.lat0) * self.units_per_degree
        return round(x, 2), round(y, 2)


def _projection(points: Sequence[tuple[float, float]]) -> _Projection:
    """Fit every ``(lon, lat)`` in the box with a margin, keeping the aspect."""
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    lat0 = (min(lats) + max(lats)) / 2
    lon0 = (min(lons) + max(lons)) / 2
    cos0 = max(math.cos(math.radians(lat0)), 0.01)
    least = _MIN_SPAN_M / _METRES_PER_DEGREE
    span_x = max((max(lons) - min(lons)) * cos0, least)
    span_y = max(max(lats) - min(lats), least)
    usable = 1 - 2 * _PAD
    scale = min(WIDTH * usable / span_x, HEIGHT * usable / span_y)
    return _Projection(lat0, lon0, cos0, scale)


def _scale_bar(projection: _Projection) -> tuple[float, str]:
    """A round distance about a quarter of the map wide, and its label."""
    metres_per_unit = _METRES_PER_DEGREE / projection.units_per_degree
    wanted = WIDTH / 4 * metres_per_unit
    power = 10 ** math.floor(math.log10(wanted))
    metres = max(n * power for n in _NICE if n * power <= wanted)
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    return metres / metres_per_unit, label


def layout_map(
    *, incident: tuple[float, float], stations: Sequence[StationBrief], tracks: Tracks
) -> MapLayout:
    """Place the incident (``(lat, lon)``), the stations with a position and
    the tracks on one map."""
    placed = [s for s in stations if s.lat is not None and s.lon is not None]
    points: list[tuple[float, float]] = [(incident[1], incident[0])]
    points += [
        (s.lon, s.lat) for s in placed if s.lon is not None and s.lat is not None
    ]
    for feature in tracks.features:
        points += [(c[0], c[1]) for c in _coordinates(feature)]
    projection = _projection(points)
    lines = [
        Line(
            name=f.properties.name,
            colour=f.properties.colour,
            points=[projection.xy(c[0], c[1]) for c in _coordinates(f)],
        )
        for f in tracks.features
    ]
    markers = [Marker("incident", "Incident", *projection.xy(incident[1], incident[0]))]
    markers += [
        Marker("station", s.code, *projection.xy(s.lon, s.lat))
        for s in placed
        if s.lon is not None and s.lat is not None
    ]
    length, label = _scale_bar(projection)
    return MapLayout(lines, markers, length, label)


def _coordinates(feature: TrackFeature) -> list[list[float]]:
    coordinates = feature.geometry.coordinates
    if feature.geometry.type == "Point":
        return [coordinates]  # type: ignore[list-item]  # a Point holds one position
    return coordinates  # type: ignore[return-value]  # a LineString holds a list


# SVG ---------------------------------------------------------------------------------

_LEGEND_ROW = 4.5


def _svg_lines(layout: MapLayout) -> list[str]:
    parts = []
    for line in layout.lines:
        if len(line.points) == 1:
            x, y = line.points[0]
            parts.append(f'<circle cx="{x}" cy="{y}" r="1" fill="{line.colour}"/>')
            continue
        path = " ".join(f"{x},{y}" for x, y in line.points)
        parts.append(
            f'<polyline class="track" data-unit="{escape(line.name)}"'
            f' points="{path}" fill="none" stroke="{line.colour}"'
            ' stroke-width="0.7" stroke-linejoin="round" stroke-linecap="round"/>'
        )
    return parts


def _svg_markers(layout: MapLayout) -> list[str]:
    parts = []
    for marker in layout.markers:
        x, y = marker.x, marker.y
        if marker.kind == "incident":
            shape = (
                f'<polygon points="{x},{y - 2.4} {x + 2.2},{y + 1.6} {x - 2.2},'
                f'{y + 1.6}" fill="#c00" stroke="#fff" stroke-width="0.3"/>'
            )
        else:
            shape = (
                f'<rect x="{x - 1.4}" y="{y - 1.4}" width="2.8" height="2.8"'
                ' fill="#333" stroke="#fff" stroke-width="0.3"/>'
            )
        parts.append(
            f'{shape}<text x="{x + 2.6}" y="{y + 1}" font-size="3">'
            f"{escape(marker.label)}</text>"
        )
    return parts


def _svg_legend(layout: MapLayout) -> list[str]:
    if not layout.lines:
        return []
    height = _LEGEND_ROW * len(layout.lines) + 2
    parts = [
        f'<rect x="{WIDTH - 42}" y="2" width="40" height="{height}"'
        ' fill="#fff" fill-opacity="0.85" stroke="#999" stroke-width="0.2"/>'
    ]
    for row, line in enumerate(layout.lines):
        y = 2 + _LEGEND_ROW * (row + 1)
        parts.append(
            f'<line x1="{WIDTH - 40}" y1="{y - 1}" x2="{WIDTH - 34}" y2="{y - 1}"'
            f' stroke="{line.colour}" stroke-width="1"/>'
            f'<text x="{WIDTH - 32}" y="{y}" font-size="3">{escape(line.name)}</text>'
        )
    return parts


def _svg_scale(layout: MapLayout) -> str:
    y = HEIGHT - 5
    return (
        f'<g class="scale"><line x1="4" y1="{y}" x2="{4 + layout.scale_length:.2f}"'
        f' y2="{y}" stroke="#000" stroke-width="0.6"/>'
        f'<text x="4" y="{y - 1.5}" font-size="3">{layout.scale_label}</text></g>'
    )


def render_svg(layout: MapLayout) -> Markup:
    """The map as an inline ``<svg>`` element (every label escaped)."""
    body = "".join(
        [
            f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#f7f7f4" stroke="#999"'
            ' stroke-width="0.3"/>',
            *_svg_lines(layout),
            *_svg_markers(layout),
            *_svg_legend(layout),
            _svg_scale(layout),
        ]
    )
    return Markup(  # noqa: S704 - built from numbers and escaped labels above
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:g} {HEIGHT:g}"'
        ' role="img" aria-label="Map of the units\' tracks"'
        f' font-family="sans-serif">{body}</svg>'
    )
