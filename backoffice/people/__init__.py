"""Prisons, wings, cells and inmates."""
