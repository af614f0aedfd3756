"""Incidents and incident types: the record, its callers, notes and lifecycle."""
