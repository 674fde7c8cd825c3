"""Searches: the record of every query and its outcome."""
