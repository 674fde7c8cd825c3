"""Imports: load a Département's extraction into a new register generation, then activate it."""
