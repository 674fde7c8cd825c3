"""A throwaway third-party connector, as a contributor would ship it in its own package.

It reads JSON Lines: one JSON object per person, with the person's aids in a list::

    {"id": "A1", "nom": "DUPONT", "prenoms": "Marie", "naissance": "1931-05-02",
     "aides": [{"code": "ASH_PA", "debut": "2016-03-01"}]}
"""

import datetime
import json
from collections.abc import Iterator, Mapping
from pathlib import Path

from core.connectors.hookspecs import hookimpl
from core.connectors.records import AidRecord, ExtractionError, PartialDate, PersonRecord, RejectedLine

NAME = "jsonl_register"
OPTIONS = {"encoding": 'Character encoding of the file (default "utf-8").'}


@hookimpl
def dn_connector_name() -> str:
    return NAME


@hookimpl
def dn_connector_settings(connector: str) -> Mapping[str, str] | None:
    return OPTIONS if connector == NAME else None


@hookimpl
def dn_read_extraction(connector: str, sources: list[Path], options: Mapping) -> Iterator[PersonRecord | RejectedLine] | None:
    if connector != NAME:
        return None
    return _read(sources, options)


@hookimpl
def dn_check_connector(connector: str, options: Mapping) -> str | None:
    if connector != NAME:
        return None
    unknown = sorted(set(options) - set(OPTIONS))
    return f"Option inconnue : {', '.join(unknown)}" if unknown else "ok"


def _read(sources: list[Path], options: Mapping) -> Iterator[PersonRecord | RejectedLine]:
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ExtractionError(f"Option inconnue dans [connector.options] : {', '.join(unknown)}.")
    if len(sources) != 1:
        raise ExtractionError("Indiquez un seul fichier JSON Lines.")

    path = sources[0]
    read_any = False
    with path.open(encoding=options.get("encoding", "utf-8")) as stream:
        for number, text in enumerate(stream, start=1):
            if not text.strip():
                continue
            read_any = True
            try:
                yield _person(json.loads(text), number, str(path))
            except (ValueError, KeyError, TypeError) as error:
                yield RejectedLine(number, f"ligne illisible ({type(error).__name__})", str(path))
    if not read_any:
        raise ExtractionError(f"Le fichier {path} est vide.")


def _person(entry: dict, line: int, source: str) -> PersonRecord:
    year, month, day = (int(part) for part in entry["naissance"].split("-"))
    if month and day:
        datetime.date(year, month, day)
    return PersonRecord(
        line=line,
        person_id=str(entry["id"]),
        usage_name=entry["nom"],
        birth_name=entry.get("nom_naissance") or None,
        first_names=entry["prenoms"],
        sex=entry.get("sexe"),
        birth_date=PartialDate(year, month, day),
        aids=[_aid(aid) for aid in entry.get("aides", [])],
        source=source,
    )


def _aid(entry: dict) -> AidRecord:
    start = entry.get("debut")
    end = entry.get("fin")
    return AidRecord(
        code=entry["code"],
        label=entry.get("libelle"),
        start=datetime.date.fromisoformat(start) if start else None,
        end=datetime.date.fromisoformat(end) if end else None,
    )
