"""``dn send-mail CONFIG`` against a real SMTP server."""

import logging
import shutil
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.cli import main
from core.mail.models import OutgoingMail
from core.mail.service import queue_mail, utcnow


@pytest.fixture(autouse=True)
def restored_logging():
    """Undo the logging set-up that ``dn`` reads from the .ini file, after each test.

    Otherwise the root handler keeps writing to the captured stderr of a finished test,
    and loggers created before the set-up stay disabled for the tests that follow.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    disabled = {name: logger.disabled for name, logger in logging.Logger.manager.loggerDict.items() if isinstance(logger, logging.Logger)}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, logger in logging.Logger.manager.loggerDict.items():
        if isinstance(logger, logging.Logger):
            logger.disabled = disabled.get(name, False)


def ini_with_mail(demo_ini, mail_settings: dict):
    """Return ``demo_ini`` with ``mail_settings`` added to its ``[app:main]`` section."""
    lines = "".join(f"{key} = {value}\n" for key, value in mail_settings.items())
    text = demo_ini.read_text(encoding="utf-8").replace("[app:main]\n", "[app:main]\n" + lines, 1)
    demo_ini.write_text(text, encoding="utf-8")
    return demo_ini


def queue(session_factory, count: int) -> None:
    with session_factory.begin() as session:
        for number in range(count):
            queue_mail(session, "etude.martin@example.fr", f"Message {number}", "Corps.")


def statuses(session_factory) -> list[str]:
    with session_factory() as session:
        return list(session.scalars(select(OutgoingMail.status).order_by(OutgoingMail.id)))


def test_send_mail_sends_queue(demo_ini, session_factory, smtp_server, capsys):
    queue(session_factory, 3)
    ini = ini_with_mail(demo_ini, smtp_server.settings())

    status = main(["send-mail", str(ini)])

    output = capsys.readouterr().out
    assert status == 0
    assert "Courriels envoyés : 3" in output
    assert "Restant en file d'attente : 0 ; en échec définitif : 0" in output
    assert len(smtp_server.wait_for(3)) == 3
    assert statuses(session_factory) == ["sent"] * 3


def test_send_mail_smtp_down_exits_1(demo_ini, session_factory, closed_smtp_port, capsys):
    queue(session_factory, 2)
    ini = ini_with_mail(demo_ini, closed_smtp_port)

    status = main(["send-mail", str(ini)])

    output = capsys.readouterr().out
    assert status == 1
    assert "Envois échoués, nouvel essai prévu : 2" in output
    assert "Restant en file d'attente : 2" in output
    assert statuses(session_factory) == ["pending", "pending"]


def test_send_mail_retry_failed(demo_ini, session_factory, smtp_server, capsys):
    queue(session_factory, 1)
    with session_factory.begin() as session:
        session.execute(update(OutgoingMail).values(status="failed", attempts=10, next_attempt_at=utcnow() - timedelta(hours=1)))
    ini = ini_with_mail(demo_ini, smtp_server.settings())

    without = main(["send-mail", str(ini)])
    first_output = capsys.readouterr().out
    with_flag = main(["send-mail", str(ini), "--retry-failed"])
    second_output = capsys.readouterr().out

    assert without == 0
    assert "en échec définitif : 1" in first_output
    assert "dn send-mail CONFIG --retry-failed" in first_output
    assert with_flag == 0
    assert "Courriels en échec remis en file d'attente : 1" in second_output
    assert "Courriels envoyés : 1" in second_output
    assert len(smtp_server.wait_for(1)) == 1


def test_send_mail_limit(demo_ini, session_factory, smtp_server, capsys):
    queue(session_factory, 3)
    ini = ini_with_mail(demo_ini, smtp_server.settings())

    status = main(["send-mail", str(ini), "--limit", "2"])

    assert status == 0
    assert "Courriels envoyés : 2" in capsys.readouterr().out
    assert statuses(session_factory) == ["sent", "sent", "pending"]


def test_send_mail_bad_setting(demo_ini, capsys):
    ini = ini_with_mail(demo_ini, {"mail.max_attempts": "beaucoup"})

    status = main(["send-mail", str(ini)])

    assert status == 2
    assert "Réglage mail.max_attempts invalide : 'beaucoup'" in capsys.readouterr().err


def test_send_mail_missing_config(tmp_path, capsys):
    status = main(["send-mail", str(tmp_path / "absent.ini")])

    assert status == 2
    assert "Erreur de configuration" in capsys.readouterr().err


def test_dn_send_mail_command(demo_ini, session_factory, smtp_server):
    queue(session_factory, 1)
    ini = ini_with_mail(demo_ini, smtp_server.settings())
    command = [shutil.which("dn")] if shutil.which("dn") else [sys.executable, "-m", "core.cli"]

    result = subprocess.run([*command, "send-mail", str(ini)], capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    assert "Courriels envoyés : 1" in result.stdout
    assert len(smtp_server.wait_for(1)) == 1
