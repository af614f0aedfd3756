"""A spatial index of units, so a recommendation looks only at the cells near its
target, and a registry keeping one index per department in step with the database.

Units sit in a latitude/longitude grid, one layer per capability and pool (staffed,
on call, returning, committed), each under its reported and its home position, so
whichever of the two is its origin at query time the unit is found. A search visits
rings of cells around the target and stops once no unit outside the rings could
beat the ones it holds; the result is exactly what a full scan gives
(``muster.dispatch.recommend.brute_force``).
"""

import math
from bisect import insort
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from muster.core.geo import EARTH_RADIUS_M
from muster.dispatch.ranking import (
    KMH_PER_MS,
    STAFFED,
    Candidate,
    Need,
    Order,
    Point,
    Pool,
    Ranked,
    Recommendation,
    Rules,
    Search,
    has_home,
    is_fresh,
    rank,
)
from muster.dispatch.recommend import recommend_with
from muster.units.status import COMMITTED, UnitStatus

Cell = tuple[int, int]
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180
# Distance bounds are shaved by a hair so that float rounding in the cell
# arithmetic can never make one tighter than the true distance.
_SLACK_RELATIVE = 1e-9
_SLACK_M = 1e-3
MIN_CELL_M = 250.0
MAX_CELL_M = 5000.0


class _Kind(StrEnum):
    """The pools a unit can be in; each has its own layer per capability."""

    STAFFED = "staffed"
    ON_CALL = "on_call"
    RETURNING = "returning"
    COMMITTED = "committed"


def _kind_of(candidate: Candidate) -> _Kind | None:
    status = candidate.status
    if status == UnitStatus.AVAILABLE:
        return _Kind.STAFFED if candidate.staffing == STAFFED else _Kind.ON_CALL
    if status == UnitStatus.RETURNING:
        return _Kind.RETURNING
    if status in COMMITTED:
        return _Kind.COMMITTED
    return None


def _least_mobilisation_s(kind: _Kind, rules: Rules) -> float:
    """A lower bound of ``recommend.mobilisation_s`` over a layer's units."""
    if kind is _Kind.ON_CALL:
        if rules.crew_etas:  # a crew already on its way may beat the delay
            return min(rules.turnout_s, rules.crew_callback_s)
        return rules.crew_callback_s
    if kind is _Kind.COMMITTED:
        return min(rules.turnout_s, rules.crew_callback_s)
    return rules.turnout_s


# Geometry ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Grid:
    """Cells of equal angle, about ``cell_m`` square near the latitude chosen."""

    rows: int
    cols: int
    dlat: float
    dlon: float

    @classmethod
    def around(cls, lat: float, cell_m: float) -> "_Grid":
        rows = max(1, round(180 * METRES_PER_DEGREE / cell_m))
        width = max(math.cos(math.radians(lat)), 0.1)
        cols = max(1, round(360 * METRES_PER_DEGREE * width / cell_m))
        return cls(rows, cols, 180 / rows, 360 / cols)

    def cell(self, lat: float, lon: float) -> Cell:
        row = min(max(int((lat + 90) / self.dlat), 0), self.rows - 1)
        col = min(int(((lon + 180) % 360) / self.dlon), self.cols - 1)
        return row, col


@dataclass(frozen=True, slots=True)
class _Probe:
    """A target seen from the grid: its cell, and where it sits inside it."""

    grid: _Grid
    row: int
    col: int
    y: float
    x: float
    coslat: float

    @classmethod
    def at(cls, grid: _Grid, target: Point) -> "_Probe":
        row, col = grid.cell(target.lat, target.lon)
        x = (target.lon + 180) % 360
        coslat = math.cos(math.radians(target.lat))
        return cls(grid, row, col, target.lat + 90, x, coslat)

    def ring(self, radius: int) -> list[Cell]:
        """Cells at Chebyshev distance ``radius`` from the target's (columns wrap)."""
        if radius == 0:
            return [(self.row, self.col)]
        rows, cols = self.grid.rows, self.grid.cols
        top, bottom = self.row - radius, self.row + radius
        span = [(self.col + d) % cols for d in range(-radius, radius + 1)]
        cells = [(top, c) for c in span] if top >= 0 else []
        if bottom < rows:
            cells += [(bottom, c) for c in span]
        west, east = span[0], span[-1]
        for row in range(max(top + 1, 0), min(bottom, rows)):
            cells += [(row, west), (row, east)]
        return cells

    def wraps(self, radius: int) -> bool:
        """Whether ring ``radius`` would meet itself round the globe."""
        return 2 * radius + 1 >= self.grid.cols

    def chebyshev(self, cell: Cell) -> int:
        """Which ring around the target ``cell`` lies on (columns wrap)."""
        across = abs(cell[1] - self.col)
        return max(abs(cell[0] - self.row), min(across, self.grid.cols - across))

    def unseen_m(self, radius: int) -> float:
        """A lower bound on the distance to any point outside rings 0..``radius``.

        Rows: the distance is at least the latitude difference. Columns: the
        distance from the target to a meridian ``g`` away in longitude is at
        least ``asin(cos(lat) * sin(g))`` (and ``asin(cos(lat))`` past 90°).
        """
        grid, bounds = self.grid, [math.inf]
        if self.row - radius > 0:
            bounds.append(math.radians(self.y - (self.row - radius) * grid.dlat))
        if self.row + radius < grid.rows - 1:
            bounds.append(math.radians((self.row + radius + 1) * grid.dlat - self.y))
        if 2 * radius + 1 < grid.cols:
            gap = min(
                self.x - (self.col - radius) * grid.dlon,
                (self.col + radius + 1) * grid.dlon - self.x,
            )
            arc = min(math.radians(gap), math.pi / 2)
            bounds.append(math.asin(min(1.0, self.coslat * math.sin(arc))))
        least = min(bounds) * EARTH_RADIUS_M
        return max(0.0, least * (1 - _SLACK_RELATIVE) - _SLACK_M)


def fit_cell_m(candidates: Sequence[Candidate], per_cell: float = 4.0) -> float:
    """A cell size holding about ``per_cell`` units where they are.

    Sparse departments want big cells (fewer empty cells to walk through),
    dense ones small cells (fewer units to rank). The extent is taken between
    the 5th and 95th percentiles, so a few far-off units don't skew it.
    """
    lats, lons = [], []
    for candidate in candidates:
        if candidate.lat is not None and candidate.lon is not None:
            lats.append(candidate.lat)
            lons.append(candidate.lon)
        elif candidate.home_lat is not None and candidate.home_lon is not None:
            lats.append(candidate.home_lat)
            lons.append(candidate.home_lon)
    if len(lats) < 2:
        return MAX_CELL_M
    lats.sort()
    lons.sort()
    low, high = len(lats) // 20, len(lats) - 1 - len(lats) // 20
    middle = math.radians(lats[len(lats) // 2])
    height = (lats[high] - lats[low]) * METRES_PER_DEGREE
    width = (lons[high] - lons[low]) * METRES_PER_DEGREE * math.cos(middle)
    area = max(height, 1000.0) * max(width, 1000.0)
    return min(max(math.sqrt(area * per_cell / len(lats)), MIN_CELL_M), MAX_CELL_M)


# Layers and searches ----------------------------------------------------------------


@dataclass(slots=True)
class _Bucket:
    """The units of a layer in one cell: by reported position and by home."""

    reported: dict[str, Candidate] = field(default_factory=dict)
    homed: dict[str, Candidate] = field(default_factory=dict)


@dataclass(slots=True)
class _Layer:
    """The units of one capability and pool, by cell.

    The fastest speed and whether any unit uses the default speed only ever
    grow: a bound that is too loose costs a ring, one too tight would be wrong.
    """

    cells: dict[Cell, _Bucket] = field(default_factory=dict)
    fastest_kmh: float = 0.0
    holds_default: bool = False

    def add(self, entry: "_Entry") -> None:
        candidate = entry.candidate
        speed = candidate.speed_kmh
        if speed is not None and speed > 0:
            self.fastest_kmh = max(self.fastest_kmh, speed)
        else:
            self.holds_default = True
        if entry.position_cell is not None:
            bucket = self.cells.setdefault(entry.position_cell, _Bucket())
            bucket.reported[candidate.unit_id] = candidate
        if entry.home_cell is not None:
            bucket = self.cells.setdefault(entry.home_cell, _Bucket())
            bucket.homed[candidate.unit_id] = candidate

    def discard(self, entry: "_Entry") -> None:
        unit_id = entry.candidate.unit_id
        for cell in (entry.position_cell, entry.home_cell):
            if cell is not None:
                self._drop(cell, unit_id)

    def _drop(self, cell: Cell, unit_id: str) -> None:
        bucket = self.cells.get(cell)
        if bucket is None:
            return
        bucket.reported.pop(unit_id, None)
        bucket.homed.pop(unit_id, None)
        if not bucket.reported and not bucket.homed:
            del self.cells[cell]

    def top_speed_ms(self, rules: Rules) -> float:
        default = rules.default_speed_kmh if self.holds_default else 0.0
        return max(self.fastest_kmh, default) / KMH_PER_MS


@dataclass(frozen=True, slots=True)
class _Walk:
    """One layer being searched, with what bounds its units' keys from below."""

    layer: _Layer
    floor_s: float
    speed_ms: float

    def least(self, metres: float, search: Search) -> float:
        # Mirrors recommend.assess term by term so rounding keeps it a lower bound.
        if search.order is Order.ETA:
            return self.floor_s + metres * search.rules.detour_factor / self.speed_ms
        return metres


def _key(ranked: Ranked) -> tuple[float, str, str]:
    return ranked.key


@dataclass(slots=True)
class _Hunt:
    """The best units found so far by one search.

    A unit is ranked only in the cell of its origin (its reported position when
    fresh or when it has no home, else its home), so it is ranked once.
    """

    search: Search
    probe: _Probe
    best: list[Ranked] = field(default_factory=list)

    def consider(self, units: Iterable[Candidate]) -> None:
        best, limit, search = self.best, self.search.limit, self.search
        for candidate in units:
            ranked = rank(candidate, search)
            if ranked is None:
                continue
            if len(best) < limit:
                insort(best, ranked, key=_key)
            elif ranked.key < best[-1].key:
                insort(best, ranked, key=_key)
                best.pop()

    def visit(self, bucket: _Bucket) -> None:
        rules = self.search.rules
        if bucket.reported:
            self.consider(
                c
                for c in bucket.reported.values()
                if is_fresh(c, rules) or not has_home(c)
            )
        if bucket.homed:
            self.consider(c for c in bucket.homed.values() if not is_fresh(c, rules))

    def visit_ring(self, walk: _Walk, ring: Sequence[Cell]) -> None:
        cells = walk.layer.cells
        for cell in ring:
            bucket = cells.get(cell)
            if bucket is not None:
                self.visit(bucket)

    def visit_rest(self, walk: _Walk, radius: int) -> None:
        """Every occupied cell of the layer outside rings 0..radius-1."""
        probe = self.probe
        for cell, bucket in walk.layer.cells.items():
            if probe.chebyshev(cell) >= radius:
                self.visit(bucket)

    def goes_on(self, walk: _Walk, unseen_m: float) -> bool:
        """Whether a unit beyond ``unseen_m`` could still qualify and rank."""
        search = self.search
        if search.within_m is not None and unseen_m > search.within_m:
            return False
        if len(self.best) < search.limit:
            return True
        return walk.least(unseen_m, search) <= self.best[-1].key[0]


# The index --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Entry:
    """Where a unit sits in the index; derived from the candidate alone."""

    candidate: Candidate
    kind: _Kind | None
    position_cell: Cell | None
    home_cell: Cell | None

    @property
    def is_placed(self) -> bool:
        return self.position_cell is not None or self.home_cell is not None


class UnitIndex:
    """Units of one department, for recommendations at county scale.

    ``upsert`` and ``remove`` are cheap (a unit moves between a few cell maps),
    so positions can change every few seconds. ``recommend`` returns exactly
    what ``brute_force`` returns for the same units. Not thread-safe; in asyncio,
    don't await between a change and the query that relies on it.
    """

    def __init__(self, cell_m: float = 1000.0) -> None:
        if cell_m <= 0:
            raise ValueError("cell_m must be positive")
        self._cell_m = cell_m
        self._grid: _Grid | None = None
        # Only the candidates are kept: their cells and pool are recomputed when
        # needed, which keeps the objects the garbage collector walks to a minimum.
        self._units: dict[str, Candidate] = {}
        self._layers: dict[tuple[str, _Kind], _Layer] = {}
        self._counts: Counter[tuple[str, _Kind]] = Counter()
        self._unplaced: dict[str, dict[str, Candidate]] = {}
        self._stations: dict[str, dict[str, Candidate]] = {}

    @classmethod
    def build(
        cls, candidates: Iterable[Candidate], cell_m: float | None = None
    ) -> "UnitIndex":
        """An index of ``candidates``, its cells sized to them unless ``cell_m``."""
        units = list(candidates)
        index = cls(cell_m if cell_m is not None else fit_cell_m(units))
        for candidate in units:
            index.upsert(candidate)
        return index

    def __len__(self) -> int:
        return len(self._units)

    def get(self, unit_id: str) -> Candidate | None:
        return self._units.get(unit_id)

    def upsert(self, candidate: Candidate) -> None:
        """Add the unit or replace what is known of it."""
        self.remove(candidate.unit_id)
        entry = self._entry(candidate)
        self._units[candidate.unit_id] = candidate
        for capability in candidate.capabilities:
            if entry.kind is not None:
                self._counts[capability, entry.kind] += 1
                if entry.is_placed:
                    key = (capability, entry.kind)
                    self._layers.setdefault(key, _Layer()).add(entry)
            if not entry.is_placed:
                self._unplaced.setdefault(capability, {})[candidate.unit_id] = candidate
        if candidate.station_id is not None:
            station = self._stations.setdefault(candidate.station_id, {})
            station[candidate.unit_id] = candidate

    def remove(self, unit_id: str) -> None:
        """Forget the unit (nothing happens if it isn't there)."""
        candidate = self._units.pop(unit_id, None)
        if candidate is None:
            return
        entry = self._entry(candidate)
        for capability in candidate.capabilities:
            if entry.kind is not None:
                self._counts[capability, entry.kind] -= 1
                if entry.is_placed:
                    self._layers[capability, entry.kind].discard(entry)
            if not entry.is_placed:
                self._unplaced[capability].pop(unit_id, None)
        if candidate.station_id is not None:
            self._stations[candidate.station_id].pop(unit_id, None)

    def recommend(
        self,
        needs: Sequence[Need],
        target: tuple[float, float],
        rules: Rules,
        exclude: Collection[str] = (),
    ) -> Recommendation:
        """Fill ``needs`` at ``target`` (lat, lon); see ``recommend_with``."""
        return recommend_with(self, needs, Point(*target), rules, exclude)

    # UnitSource ---------------------------------------------------------------------

    def search(self, search: Search) -> list[Ranked]:
        walks = self._walks(search)
        if self._grid is None or not walks or search.limit <= 0:
            return []
        probe = _Probe.at(self._grid, search.target)
        hunt = _Hunt(search, probe)
        radius = 0
        while walks:
            ring = probe.ring(radius)
            ringed = []
            for walk in walks:
                # Once a ring has more cells than the layer has occupied, or wraps
                # round the globe, reading the rest of the layer is cheaper.
                if len(ring) > len(walk.layer.cells) or probe.wraps(radius):
                    hunt.visit_rest(walk, radius)
                else:
                    hunt.visit_ring(walk, ring)
                    ringed.append(walk)
            unseen_m = probe.unseen_m(radius)
            walks = [walk for walk in ringed if hunt.goes_on(walk, unseen_m)]
            radius += 1
        return hunt.best

    def unplaced(self, capability: str) -> Iterable[Candidate]:
        return self._unplaced.get(capability, {}).values()

    def count_eligible(self, capability: str, rules: Rules) -> int:
        counts = self._counts
        total = counts[capability, _Kind.STAFFED] + counts[capability, _Kind.ON_CALL]
        if rules.allow_returning:
            total += counts[capability, _Kind.RETURNING]
        return total

    def at_station(self, station_id: str) -> Iterable[Candidate]:
        return self._stations.get(station_id, {}).values()

    # Internals ----------------------------------------------------------------------

    def _entry(self, candidate: Candidate) -> _Entry:
        position = home = None
        if candidate.lat is not None and candidate.lon is not None:
            position = self._cell(candidate.lat, candidate.lon)
        if candidate.home_lat is not None and candidate.home_lon is not None:
            home = self._cell(candidate.home_lat, candidate.home_lon)
        return _Entry(candidate, _kind_of(candidate), position, home)

    def _cell(self, lat: float, lon: float) -> Cell:
        if self._grid is None:
            self._grid = _Grid.around(lat, self._cell_m)
        return self._grid.cell(lat, lon)

    def _walks(self, search: Search) -> list[_Walk]:
        if search.pool is Pool.COMMITTED:
            kinds = [_Kind.COMMITTED]
        else:
            kinds = [_Kind.STAFFED, _Kind.ON_CALL]
            if search.rules.allow_returning:
                kinds.append(_Kind.RETURNING)
        walks = []
        for kind in kinds:
            layer = self._layers.get((search.capability, kind))
            if layer is not None and layer.cells:
                floor = _least_mobilisation_s(kind, search.rules)
                walks.append(_Walk(layer, floor, layer.top_speed_ms(search.rules)))
        return walks
