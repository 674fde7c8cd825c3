"""Outgoing mail: a queue in the database, sent after commit and retried."""
