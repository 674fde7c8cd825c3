"""The csv_generic connector."""
