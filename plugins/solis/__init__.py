"""The solis connector."""
