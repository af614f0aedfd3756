"""Live department streams: per-instance fan-out of the bus and the client routes."""
