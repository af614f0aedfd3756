"""One ``UnitSource`` over several departments' units, each ranked by its own rules.

Mutual aid looks for what a department is short of among its partners' units.
Each partner's units start from that partner's turnout, call-back delay and
speeds; the search's other terms (the radius, say) stay the asking
department's. Every source returns its best ``limit`` in order, so the best
``limit`` of their merge is the best over all of them.
"""

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import replace
from itertools import chain, islice

from muster.dispatch.recommend import Candidate, Ranked, Rules, Search, UnitSource


class MergedSource:
    def __init__(self, parts: Sequence[tuple[UnitSource, Rules]]) -> None:
        self._parts = list(parts)

    def search(self, search: Search) -> list[Ranked]:
        found = (
            source.search(replace(search, rules=rules)) for source, rules in self._parts
        )
        merged = heapq.merge(*found, key=lambda ranked: ranked.key)
        return list(islice(merged, search.limit))

    def unplaced(self, capability: str) -> Iterable[Candidate]:
        return chain.from_iterable(
            source.unplaced(capability) for source, _ in self._parts
        )

    def count_eligible(self, capability: str, rules: Rules) -> int:
        return sum(
            source.count_eligible(capability, own) for source, own in self._parts
        )

    def at_station(self, station_id: str) -> Iterable[Candidate]:
        return chain.from_iterable(
            source.at_station(station_id) for source, _ in self._parts
        )
