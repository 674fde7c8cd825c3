"""The iodas connector."""
