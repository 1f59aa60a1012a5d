"""Outbound messages to contacts: an outbox table written in the same transaction as its cause
(a booking confirmed or cancelled, a message screened), sent by the jobs runner over SMTP or an
SMS gateway with retries and back-off, never twice."""
