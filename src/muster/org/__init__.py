"""Departments, members and their roles, tokens, and stations."""
