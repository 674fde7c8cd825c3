"""Matching a notary's query against the register."""
