"""Run an import: read an extraction into a new register generation, then activate it.

The steps, under the import lock:

1. Close the books of imports that died: their ``register_import`` row goes from
   "running" to "interrupted", and their rows are deleted.
2. Record the new import as "running", then stream the connector's records through the
   common checks into batches written with the new ``import_id``.
3. Apply the guards (rejected share, shrinking register, unreadable extraction).
4. In one short transaction, point ``register_state`` at the new generation and mark the
   import "succeeded". Only then is the old generation deleted.

Until step 4 commits, searches see the previous register. A refused or failed import
deletes its own rows, and one killed before that leaves them to step 1 of the next.
A dry run writes its generation into a temporary SQLite file that is thrown away, so it
checks everything a real import checks, duplicates included, without touching the
register.
"""

import datetime
import logging
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core.audit import utcnow
from core.connectors import ConnectorManager
from core.connectors.records import ExtractionError, PersonRecord, RejectedLine
from core.db import Base
from core.imports.checks import CheckedPerson, RecordChecker
from core.imports.locking import import_lock
from core.imports.report import RejectionReport, default_report_path
from core.imports.writers import GenerationWriter, SQLiteWriter, make_writer
from core.register.generations import REGISTER_STATE_ID
from core.register.models import Person, RegisterImport, RegisterState
from core.settings import ImportThresholds

log = logging.getLogger(__name__)

STATUS_RUNNING = "running"
STATUS_SUCCEEDED = "succeeded"
STATUS_FAILED = "failed"
STATUS_REFUSED = "refused"
STATUS_DRY_RUN = "dry_run"
STATUS_INTERRUPTED = "interrupted"

# People per transaction: large enough to amortise commits, small enough that a batch
# (an estimated 1 KB a person, records and rows) stays a small part of the memory.
BATCH_SIZE = 10000


@dataclass
class ImportRequest:
    """The sources, connector options and flags of one import.

    ``options`` is the connector's ``[connector.options]`` table.
    """

    connector: str
    sources: list[Path]
    options: Mapping = field(default_factory=dict)
    dry_run: bool = False
    force: bool = False
    report_path: Path | None = None
    report_dir: Path | None = None
    started_by: str | None = None


@dataclass
class ImportResult:
    """Counts and outcome of one import, as recorded in ``register_import``."""

    import_id: int
    status: str = STATUS_RUNNING
    people: int = 0
    aids: int = 0
    rejected: int = 0
    lines: int = 0
    previous_people: int = 0
    seconds: float = 0.0
    report_path: Path | None = None
    forced: list[str] = field(default_factory=list)
    message: str | None = None

    @property
    def lines_per_second(self) -> float:
        return self.lines / self.seconds if self.seconds else 0.0


class ImportRefused(Exception):
    """A guard stopped the import; the register is unchanged.

    ``reasons`` are one-line French messages. ``forceable`` is True when ``--force``
    would let the import through.
    """

    def __init__(self, reasons: list[str], forceable: bool, result: ImportResult | None = None):
        reasons = [_clause(reason) for reason in reasons]
        super().__init__(" ; ".join(reasons))
        self.reasons = reasons
        self.forceable = forceable
        self.result = result


class ImportFailed(Exception):
    """The import broke off on an error; the register is unchanged. French message."""

    def __init__(self, message: str, result: ImportResult | None = None):
        super().__init__(message)
        self.result = result


ProgressCallback = Callable[[int], None]


def run_import(
    engine: Engine,
    connectors: ConnectorManager,
    request: ImportRequest,
    thresholds: ImportThresholds,
    *,
    today: datetime.date | None = None,
    progress: ProgressCallback | None = None,
) -> ImportResult:
    """Import ``request.sources`` through the connector; return the counts.

    :raises core.connectors.UnknownConnectorError: no installed connector has that name.
    :raises core.imports.locking.ImportBusyError: another import is running.
    :raises ImportRefused: a guard stopped the import.
    :raises ImportFailed: reading or writing failed.
    """
    connectors.require(request.connector)
    with import_lock(engine):
        _close_interrupted_imports(engine)
        result = ImportResult(import_id=_record_start(engine, request))
        log.info("import.started import_id=%s connector=%s dry_run=%s", result.import_id, request.connector, request.dry_run)
        started = time.monotonic()
        try:
            _run(engine, connectors, request, thresholds, result, today or datetime.date.today(), progress)
        except ImportRefused as refusal:
            refusal.result = result
            _finish(engine, result, STATUS_REFUSED, str(refusal), started)
            log.warning("import.refused import_id=%s forceable=%s", result.import_id, refusal.forceable)
            raise
        except BaseException as error:
            message = _failure_message(error)
            _finish(engine, result, STATUS_FAILED, message, started)
            log.error("import.failed import_id=%s error=%s", result.import_id, type(error).__name__)
            if isinstance(error, Exception):
                raise ImportFailed(message, result) from error
            raise
        result.seconds = time.monotonic() - started
        log.info(
            "import.finished import_id=%s status=%s people=%s aids=%s rejected=%s seconds=%.1f",
            result.import_id, result.status, result.people, result.aids, result.rejected, result.seconds,
        )
        return result


def _run(engine, connectors, request, thresholds, result, today, progress) -> None:
    result.previous_people = _active_people(engine)
    report = RejectionReport(
        request.report_path or default_report_path(result.import_id, request.report_dir)
    )
    writer, scratch = _open_writer(engine, request.dry_run)
    activated = False
    try:
        if not request.dry_run:
            _delete_inactive_generations(engine, writer)
        loader = _Loader(writer, RecordChecker(today), report, result, progress)
        extraction_error = loader.load(connectors, request)
        writer.finish()
        report.close()
        result.report_path = report.path if report.written else None

        result.forced = _check_guards(result, thresholds, extraction_error, request.force)
        if request.dry_run:
            _complete(engine, result, STATUS_DRY_RUN)
            return
        _complete(engine, result, STATUS_SUCCEEDED)
        activated = True
        _delete_replaced_generations(engine, writer)
    except BaseException:
        result.report_path = report.path if report.written else None
        # Until activation, this import's rows are garbage; after it, they are the register.
        if not request.dry_run and not activated:
            _delete_quietly(writer, result.import_id)
        raise
    finally:
        report.close()
        writer.close()
        if scratch is not None:
            writer.engine.dispose()
            scratch.cleanup()


class _Loader:
    """Stream records through the checks into batches, counting as it goes."""

    def __init__(self, writer: GenerationWriter, checker: RecordChecker, report: RejectionReport,
                 result: ImportResult, progress: ProgressCallback | None):
        self.writer = writer
        self.checker = checker
        self.report = report
        self.result = result
        self.progress = progress
        self.batch: list[CheckedPerson] = []
        self.batch_refs: set[str] = set()

    def load(self, connectors: ConnectorManager, request: ImportRequest) -> ExtractionError | None:
        """Store every valid record; return the error that stopped the reading, if any."""
        try:
            # A connector may check its options when called, before yielding anything.
            for item in connectors.read(request.connector, request.sources, request.options):
                if isinstance(item, RejectedLine):
                    self.result.lines += 1
                    self.reject(item.source, item.line, item.reason)
                else:
                    self.add(item)
        except ExtractionError as error:
            self.flush()
            return error
        self.flush()
        return None

    def add(self, record: PersonRecord) -> None:
        outcome = self.checker.check(record)
        self.result.lines += outcome.lines
        for reason in outcome.rejections:
            self.reject(record.source, record.line, reason)
        person = outcome.person
        if person is None:
            return
        if person.person_ref in self.batch_refs:
            self.reject_duplicate(person)
            return
        self.batch.append(person)
        self.batch_refs.add(person.person_ref)
        if len(self.batch) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        duplicates = self.writer.write_batch(self.result.import_id, self.batch)
        for person in duplicates:
            self.reject_duplicate(person)
        left_out = {id(person) for person in duplicates}
        written = [person for person in self.batch if id(person) not in left_out]
        self.result.people += len(written)
        self.result.aids += sum(len(person.aids) for person in written)
        self.batch = []
        self.batch_refs = set()
        if self.progress is not None:
            self.progress(self.result.lines)

    def reject_duplicate(self, person: CheckedPerson) -> None:
        self.reject(
            person.source, person.line,
            f"identifiant de personne {person.person_ref} en double : seule sa première occurrence est importée",
        )

    def reject(self, source: str, line: int, reason: str) -> None:
        self.result.rejected += 1
        self.report.add(source, line, reason)


def _check_guards(result: ImportResult, thresholds: ImportThresholds,
                  extraction_error: ExtractionError | None, force: bool) -> list[str]:
    """Raise ImportRefused when a guard stops the import; return the guards forced."""
    blocking, forceable = [], []
    if extraction_error is not None:
        if result.people == 0 and result.rejected == 0:
            blocking.append(str(extraction_error))
        else:
            forceable.append(f"{_clause(str(extraction_error))} ({result.people} personnes lues avant l'erreur)")
    elif result.people == 0:
        blocking.append(_no_people_message(result))

    if result.lines and result.rejected / result.lines > thresholds.max_rejected_ratio:
        forceable.append(
            f"{_percent(result.rejected / result.lines)} des lignes rejetées ({result.rejected} sur "
            f"{result.lines}), au plus {_percent(thresholds.max_rejected_ratio)} admis"
        )
    if result.previous_people and result.people < result.previous_people * (1 - thresholds.max_shrink_ratio):
        shrink = 1 - result.people / result.previous_people
        forceable.append(
            f"le registre passerait de {result.previous_people} à {result.people} personnes "
            f"(−{_percent(shrink)}), au plus −{_percent(thresholds.max_shrink_ratio)} admis"
        )

    if blocking:
        raise ImportRefused(blocking, forceable=False)
    if forceable and not force:
        raise ImportRefused(forceable, forceable=True)
    return forceable


def _clause(message: str) -> str:
    """Return a connector's sentence as a clause to join with others: no final period,
    no capital unless the first word is an acronym."""
    message = message.strip().rstrip(".").strip()
    if len(message) > 1 and message[0].isupper() and not message[1].isupper():
        message = message[0].lower() + message[1:]
    return message


def _no_people_message(result: ImportResult) -> str:
    if result.rejected:
        return f"aucune personne valide dans l'extraction : les {result.rejected} lignes lues sont rejetées"
    return "aucune personne dans l'extraction : le fichier ne contient que l'en-tête"


def _percent(ratio: float) -> str:
    return f"{ratio * 100:.1f} %".replace(".", ",")


def _open_writer(engine: Engine, dry_run: bool) -> tuple[GenerationWriter, tempfile.TemporaryDirectory | None]:
    """Return the writer, on a throwaway SQLite copy of the schema for a dry run."""
    scratch = None
    if dry_run:
        scratch = tempfile.TemporaryDirectory(prefix="dn-import-dry-run-")
        scratch_engine = create_engine(f"sqlite:///{Path(scratch.name) / 'register.sqlite'}")
        tables = [Base.metadata.tables[name] for name in ("register_import", "person", "person_name_key", "aid")]
        Base.metadata.create_all(scratch_engine, tables=tables)
        writer = SQLiteWriter(scratch_engine)
    else:
        writer = make_writer(engine)
    try:
        writer.open()
    except BaseException:
        if scratch is not None:
            scratch.cleanup()
        raise
    return writer, scratch


def _delete_inactive_generations(engine: Engine, writer: GenerationWriter) -> None:
    """Delete every generation but the active one: the one just replaced, and leftovers."""
    active = _active_import_id(engine)
    for import_id in writer.stored_generations():
        if import_id != active:
            writer.delete_generation(import_id)
            log.info("import.generation_deleted import_id=%s", import_id)


def _delete_replaced_generations(engine: Engine, writer: GenerationWriter) -> None:
    # The new register is active: a failure here leaves old rows that no search reads
    # and that the next import deletes, so it is logged, not raised.
    try:
        _delete_inactive_generations(engine, writer)
        writer.refresh_statistics()
    except Exception as error:
        log.warning("import.cleanup_after_activation_failed error=%s", type(error).__name__)


def _delete_quietly(writer: GenerationWriter, import_id: int) -> None:
    # A failure here must not hide the original one: the next import deletes leftovers.
    try:
        writer.connection.rollback()
        writer.delete_generation(import_id)
    except Exception as error:
        log.warning("import.cleanup_failed import_id=%s error=%s", import_id, type(error).__name__)


# -------------------------------------------------------------------------
# Bookkeeping in register_import and register_state
# -------------------------------------------------------------------------


def _active_import_id(engine: Engine) -> int | None:
    with Session(engine) as session:
        state = session.get(RegisterState, REGISTER_STATE_ID)
        return state.active_import_id if state else None


def _active_people(engine: Engine) -> int:
    with Session(engine) as session:
        state = session.get(RegisterState, REGISTER_STATE_ID)
        if state is None or state.active_import_id is None:
            return 0
        return session.scalar(select(func.count()).select_from(Person).where(Person.import_id == state.active_import_id))


def _close_interrupted_imports(engine: Engine) -> None:
    """Mark as "interrupted" the imports left "running": the lock proves them dead."""
    with Session(engine) as session, session.begin():
        stale = session.scalars(select(RegisterImport).where(RegisterImport.status == STATUS_RUNNING)).all()
        for record in stale:
            record.status = STATUS_INTERRUPTED
            record.message = "import interrompu avant la fin (processus arrêté) : le registre précédent est resté actif"
            log.warning("import.interrupted import_id=%s", record.id)


def _record_start(engine: Engine, request: ImportRequest) -> int:
    with Session(engine) as session, session.begin():
        record = RegisterImport(
            connector=request.connector,
            sources="\n".join(str(path) for path in request.sources),
            status=STATUS_RUNNING,
            started_at=utcnow(),
            forced=request.force,
            dry_run=request.dry_run,
            started_by=request.started_by,
            people=0,
            aids=0,
            rejected=0,
        )
        session.add(record)
        session.flush()
        return record.id


def _complete(engine: Engine, result: ImportResult, status: str) -> None:
    """Record the import as done and, unless a dry run, make its generation the register.

    One transaction, so a search reads the old register or the new one. On PostgreSQL the
    ``register_state`` row lock waits for searches that share-lock it (see
    :func:`core.register.generations.read_active_import_id`).
    """
    result.status = status
    message = None
    if result.forced:
        message = "importé malgré : " + " ; ".join(_clause(reason) for reason in result.forced)
    result.message = message
    with Session(engine) as session, session.begin():
        if status == STATUS_SUCCEEDED:
            state = session.scalars(
                select(RegisterState).where(RegisterState.id == REGISTER_STATE_ID).with_for_update()
            ).first()
            if state is None:
                state = RegisterState(id=REGISTER_STATE_ID)
                session.add(state)
            state.active_import_id = result.import_id
            state.activated_at = utcnow()
        _update_record(session, result, message)


def _finish(engine: Engine, result: ImportResult, status: str, message: str, started: float) -> None:
    result.status = status
    result.message = message
    result.seconds = time.monotonic() - started
    with Session(engine) as session, session.begin():
        _update_record(session, result, message)


def _update_record(session: Session, result: ImportResult, message: str | None) -> None:
    record = session.get(RegisterImport, result.import_id)
    record.status = result.status
    record.finished_at = utcnow()
    record.people = result.people
    record.aids = result.aids
    record.rejected = result.rejected
    record.message = message
    record.report_path = str(result.report_path) if result.report_path else None


def _failure_message(error: BaseException) -> str:
    """Return a French one-line message that names the error but no personal data.

    Database errors may quote a row's values, names included, so only their type shows.
    """
    if isinstance(error, KeyboardInterrupt):
        return "import interrompu (Ctrl-C)"
    if isinstance(error, OSError):
        return f"erreur de lecture ou d'écriture de fichier ({error.strerror or type(error).__name__}) : {error.filename or ''}".rstrip(" :")
    return f"erreur inattendue ({type(error).__name__})"
