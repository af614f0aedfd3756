"""Fixtures shared by the reporting tests."""

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from muster.core import clock


@pytest.fixture
def frozen() -> Iterator[Callable[[float], None]]:
    """Stop the clock now; ``frozen(s)`` sets it ``s`` seconds after that."""
    start = clock.now()
    moment = {"now": start}
    clock.set_clock(lambda: moment["now"])

    def advance(seconds: float) -> None:
        moment["now"] = start + timedelta(seconds=seconds)

    yield advance
    clock.set_clock(None)
