"""Shared machinery used by several definition groups."""
