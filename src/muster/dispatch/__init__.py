"""Response plans, unit recommendation, assignment, acknowledgement and escalation."""
