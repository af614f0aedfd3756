"""Muster: one operational record for every incident, from first call to review."""

__version__ = "0.1.0"
