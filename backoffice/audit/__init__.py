"""The append-only audit log every feature writes to."""
