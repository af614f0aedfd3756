"""Factories with valid defaults, so a test sets only what it cares about."""
