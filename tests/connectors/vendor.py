"""A stand-in for the IODAS database: the sample schema, its rows and the SELECT reading them."""

from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "plugins" / "iodas" / "samples"
SCHEMA = (SAMPLES / "vendor_database.sql").read_text(encoding="utf-8")
QUERY = (SAMPLES / "vendor_query.sql").read_text(encoding="utf-8")
