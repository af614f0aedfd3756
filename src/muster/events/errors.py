"""Errors of the event log."""

from muster.core.errors import NotFound


class ChainHeadMissing(NotFound):
    """The department has no event chain (it was never created through Muster)."""
