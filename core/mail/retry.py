"""The automatic retry: a daemon thread of the web process that runs ``send_pending``."""

import logging
import threading

from sqlalchemy.orm import sessionmaker

from core.mail.postman import Postman
from core.mail.service import send_pending

log = logging.getLogger(__name__)


class RetryThread(threading.Thread):
    """Runs ``send_pending`` every ``interval`` seconds until ``stop()``."""

    def __init__(self, session_factory: sessionmaker, postman: Postman, interval: float):
        super().__init__(name="mail-retry", daemon=True)
        self._session_factory = session_factory
        self._postman = postman
        self._interval = interval
        self._stopping = threading.Event()

    def run(self) -> None:
        log.info("mail_retry_started interval=%s", self._interval)
        while not self._stopping.wait(self._interval):
            self.run_once()
        log.info("mail_retry_stopped")

    def run_once(self) -> None:
        try:
            report = send_pending(self._session_factory, self._postman)
        except Exception:
            # A database outage must not end the thread: the next run tries again.
            log.exception("mail_retry_run_failed")
            return
        if report.sent or report.failed or report.released:
            log.info(
                "mail_retry_run sent=%s retry_later=%s gave_up=%s released=%s",
                report.sent, report.retry_later, report.gave_up, report.released,
            )

    def stop(self, timeout: float | None = None) -> None:
        self._stopping.set()
        self.join(timeout)
