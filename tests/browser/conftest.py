"""Browser fixtures: the application served by waitress in a thread, and headless Chromium.

Chromium is Debian's ``/usr/bin/chromium`` driven by Playwright for Python (no browser
download). axe-core's ``axe.min.js`` comes from the npm package installed by ``.ci/run``
into ``~/.cache/departements-notaires/node_modules`` (or the path in ``AXE_CORE_JS``). Browser tests run on
SQLite only: the web tests already cover PostgreSQL.

Fixtures for other browser tests: ``live_server`` (``.url``, ``.app``), ``browser``,
``page`` (a fresh page, CSP enforced), ``check_accessibility(page, name)`` and the
``smtp_server`` of ``tests.smtp``.
"""

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
import waitress
from pyramid.paster import get_app

from tests.smtp import smtp_server, smtp_settings  # noqa: F401
from tests.web.fixtures import *  # noqa: F401,F403
from tests.web.fixtures import set_app_settings

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("NOTAIRES_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Outside the work tree, where no build or clean step of the project removes it.
AXE_PREFIX = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "departements-notaires"
AXE_SCRIPT = Path(os.environ.get("AXE_CORE_JS", AXE_PREFIX / "node_modules" / "axe-core" / "axe.min.js"))
# axe-core impacts that fail a test. "moderate" and "minor" findings are returned to the caller without failing.
FAILING_IMPACTS = ("serious", "critical")


def _missing(message: str):
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(params=["sqlite"])
def backend(request) -> str:
    return request.param


@dataclass
class LiveServer:
    url: str
    app: object


@pytest.fixture
def live_server(web_ini, engine, smtp_settings):  # noqa: F811
    set_app_settings(web_ini, {**smtp_settings, "mail.folder": ""})
    app = get_app(str(web_ini), "main")
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{server.effective_port}", app)
    server.close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium not found at {CHROMIUM}: install Debian's chromium package (see .ci/run).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True, locale="fr-FR")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_SCRIPT.exists():
        _missing(f"axe-core not found at {AXE_SCRIPT}: run `npm install --prefix {AXE_PREFIX} axe-core` (see .ci/run).")
    return AXE_SCRIPT.read_text(encoding="utf-8")


@pytest.fixture
def check_accessibility(axe_source):
    """Run axe-core on the page and fail on serious or critical violations."""

    def check(page, name: str) -> list[dict]:
        # Evaluated through the DevTools protocol, so the page's CSP does not block it.
        page.evaluate(axe_source)
        results = page.evaluate("async () => await axe.run(document)")
        failing = [
            f"{violation['id']} ({violation['impact']}): {violation['help']} "
            f"at {[node['target'] for node in violation['nodes']][:3]}"
            for violation in results["violations"]
            if violation["impact"] in FAILING_IMPACTS
        ]
        assert not failing, f"axe-core violations on {name}: {failing}"
        return results["violations"]

    return check
