"""Shared plumbing: settings, database, clock, ids, logging, security and errors."""
