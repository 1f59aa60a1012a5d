"""Cellgate's domain services and the staff back office."""
