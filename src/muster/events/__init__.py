"""The event log: append-only, gap-free per department, hash-chained."""
