"""``dn demo``: prepares a reusable data folder and serves the application."""

import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
import webtest
from sqlalchemy import func, select

from core.accounts.models import ROLES, Account
from core.db import make_engine, make_session_factory
from core.demo import prepare_demo
from tests.web.fixtures import sign_in


def test_demo_prepares_database_register_and_accounts(tmp_path):
    site = prepare_demo(tmp_path / "demo", people=300)
    assert site.people == 300
    assert (tmp_path / "demo" / "demo.sqlite").exists()
    assert site.mail_dir.is_dir()
    assert [credential["role"] for credential in site.credentials] == ["notary", "agent", "admin"]
    assert len(site.examples) == 3

    from core import main

    app = webtest.TestApp(main({}, **site.settings), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    notary = site.credentials[0]
    assert sign_in(app, notary["login"], notary["password"], status=303).location.endswith("/conditions")
    health = app.get("/health").json
    assert health["register"]["people"] == 300


def test_demo_run_twice_reuses_the_folder(tmp_path):
    first = prepare_demo(tmp_path / "demo", people=200)
    second = prepare_demo(tmp_path / "demo", people=200)
    assert second.credentials == first.credentials
    assert second.people == 200
    assert second.settings["session.secret"] == first.settings["session.secret"]

    engine = make_engine(second.settings)
    with make_session_factory(engine)() as dbsession:
        # The three demo accounts, besides the system account of command-line searches.
        assert dbsession.scalar(select(func.count()).select_from(Account).where(Account.role.in_(ROLES))) == 3
    engine.dispose()


def test_demo_restores_lost_passwords(tmp_path):
    first = prepare_demo(tmp_path / "demo", people=100)
    (tmp_path / "demo" / "comptes-demo.json").unlink()
    second = prepare_demo(tmp_path / "demo", people=100)
    assert second.credentials[0]["password"] != first.credentials[0]["password"]
    saved = json.loads((tmp_path / "demo" / "comptes-demo.json").read_text(encoding="utf-8"))
    assert saved["99001"]["password"] == second.credentials[0]["password"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_dn_demo_serves_health_and_prints_accounts(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "demo", "--port", str(port), "--data-dir", str(tmp_path / "d"), "--people", "200"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        body = None
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    body = json.loads(response.read())
                break
            except OSError:
                time.sleep(0.25)
        assert body is not None, "dn demo did not answer on /health"
        assert body["database"] == "ok"
        assert body["register"]["people"] == 200
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert f"http://localhost:{port}" in output
    assert "99001" in output
    assert "mot de passe" in output
    assert str(tmp_path / "d" / "mail") in output


def test_dn_demo_rejects_a_bad_port(capsys):
    from core.cli import main

    assert main(["demo", "--port", "70000"]) == 2
    assert "Port invalide" in capsys.readouterr().err
