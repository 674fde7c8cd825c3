"""The rejected-lines report: one CSV row per rejected line, written as lines are read.

The file is for the Département's IT, who open it in a spreadsheet: ``;``-separated,
UTF-8 with a byte-order mark so that Excel reads the accents, French column names.
It is created at the first rejected line only, so an import without any has no report.
"""

import csv
from pathlib import Path

REPORT_HEADER = ("fichier", "ligne", "motif")


def default_report_path(import_id: int, report_dir: str | Path | None) -> Path:
    """Return where the report goes when no path is given.

    In ``report_dir`` (the ``imports.report_dir`` setting) when set, else in the current
    directory, like the output of other command-line tools. Never beside the
    extraction, whose folder may be read-only or under version control.
    """
    name = f"import-{import_id}-lignes-rejetees.csv"
    return Path(report_dir or Path.cwd()) / name


class RejectionReport:
    """Append rejected lines to a CSV file, created on the first one."""

    def __init__(self, path: Path):
        self.path = path
        self.count = 0
        self._stream = None
        self._writer = None

    def add(self, source: str, line: int, reason: str) -> None:
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._stream = self.path.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._stream, delimiter=";", lineterminator="\r\n")
            self._writer.writerow(REPORT_HEADER)
        self._writer.writerow((Path(source).name if source else "", line, reason))
        self.count += 1

    @property
    def written(self) -> bool:
        return self._writer is not None

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None
