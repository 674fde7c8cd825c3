"""The connector contract: the hooks a connector plugin implements.

A connector turns one social-aid software's extraction into :class:`PersonRecord`
objects. Several connectors live in one plugin manager, so every hook but
:func:`dn_connector_name` takes the ``connector`` name first: an implementation returns
``None`` when the name is not its own, and the first non-``None`` result wins.
"""

from collections.abc import Iterator, Mapping
from pathlib import Path

import pluggy

from core.connectors.records import PersonRecord, RejectedLine

PROJECT_NAME = "departements_notaires"
ENTRY_POINT_GROUP = "departements_notaires.connectors"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# -------------------------------------------------------------------------
# Identity
# -------------------------------------------------------------------------


@hookspec
def dn_connector_name() -> str:
    """Return the connector's name, as written in ``[connector] name`` and on the command line.

    :returns: a short lower-case identifier such as ``"iodas"``; unique in the manager.
    """


@hookspec(firstresult=True)
def dn_connector_settings(connector: str) -> Mapping[str, str] | None:
    """Describe the options the connector reads from ``[connector.options]``.

    firstresult: stops at the first non-``None`` value.

    :param connector: the connector name asked for; return ``None`` if it is not yours.
    :returns: option name mapped to a one-line English description of what it sets,
        including its default.
    """


# -------------------------------------------------------------------------
# Reading an extraction
# -------------------------------------------------------------------------


@hookspec(firstresult=True)
def dn_read_extraction(
    connector: str, sources: list[Path], options: Mapping
) -> Iterator[PersonRecord | RejectedLine] | None:
    """Read an extraction into person records, streaming.

    firstresult: stops at the first non-``None`` value.

    The iterator must not hold the whole file in memory, except where the format forces
    it to join rows of one person (it may then keep per-person state). Every line that
    cannot be read yields a :class:`RejectedLine` with its line number and a French reason
    (impossible date, missing identifier …); checks common to every connector
    (duplicate ids, dates in the future, missing names) are the import's job.

    Each record's ``source`` names the file it was read from, as given in ``sources``
    (for a database, its URL without password), and ``line`` its physical line there
    (1-based, header included; a row's rank for a database), so that the
    rejected-lines report points at the right place. Records need not come out in line
    order. An option that is not listed by :func:`dn_connector_settings` raises
    ExtractionError naming it, rather than being ignored.

    :param connector: the connector name asked for; return ``None`` if it is not yours.
    :param sources: the files given on the command line, in order (may be empty for a
        connector that reads from a database).
    :param options: the ``[connector.options]`` table of the Département's TOML file.
    :returns: an iterator of :class:`PersonRecord` and :class:`RejectedLine`, usually a
        generator, which reads only as the caller iterates.
    :raises core.connectors.records.ExtractionError: when the extraction as a whole
        cannot be read (empty or truncated file, missing columns, wrong encoding), before
        or while iterating.
    """


@hookspec(firstresult=True)
def dn_check_connector(connector: str, options: Mapping) -> str | None:
    """Check that the connector can work with these options, for ``/health``.

    firstresult: stops at the first non-``None`` value.

    Besides reaching what the extraction is read from (a database, for instance), an
    implementation checks the options as :func:`dn_read_extraction` would, so that a
    misspelt option shows on ``/health`` before the next import fails on it.

    :param connector: the connector name asked for; return ``None`` if it is not yours.
    :param options: the ``[connector.options]`` table of the Département's TOML file.
    :returns: ``"ok"``, or a one-line French description of the problem, fit to show to
        the Département's IT as the :class:`ExtractionError` messages are.
    """
