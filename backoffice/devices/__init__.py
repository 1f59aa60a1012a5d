"""Registered kiosks and tablets."""
