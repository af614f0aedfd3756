"""Durable timers: jobs live in the database and any instance may run them."""
