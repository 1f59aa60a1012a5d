"""Requests: inmates' applications and complaints as tracked cases with receipts, deadlines,
routing between departments, notes, answers and appeals."""
