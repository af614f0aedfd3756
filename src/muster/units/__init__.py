"""Unit types, units and the unit status machine."""
