"""Helpers shared by tests/ and bench/: neither package imports the other."""
