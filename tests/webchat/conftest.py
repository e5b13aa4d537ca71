"""Browser tests of the web chat: the real server (`python -m server`) and headless Chromium via Selenium.

Nothing is skipped: a missing browser, driver, Selenium or axe-core fails with the command that
installs it (scripts/install_browser_deps.sh). Selenium Manager never runs: the driver path is given.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from server.local import free_port, local_server, quiet_env, wait_for
from tests.conftest import ROOT, ensure_model

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
AXE = ROOT / "tests" / "webchat" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "results" / "screenshots"
INSTALL = "run `bash scripts/install_browser_deps.sh` (as root: apt-get chromium chromium-driver, npm ci axe-core)"

pytestmark = pytest.mark.server


# the embed test frames the page from another loopback port (plain http): allow it here only
FRAME_ANCESTORS = {"WEBCHAT_FRAME_ANCESTORS": "'self' https: http://127.0.0.1:*"}


def server_env() -> dict:
    return quiet_env(FRAME_ANCESTORS)


@pytest.fixture(scope="session")
def chat_server(tmp_path_factory):
    """`python -m server` with the trained model and a SQLite tracker store in a temp dir."""
    with local_server(tmp_path_factory.mktemp("webchat_server"), ensure_model(), env=FRAME_ANCESTORS) as running:
        yield {"url": running.url, "log": running.log, "proc": running.proc}


@pytest.fixture()
def pages_only_server(tmp_path):
    """Only the web chat's routes (no assistant): its webhook does not exist, and the test may stop it."""
    port = free_port()
    log_path = tmp_path / "pages.log"
    log = log_path.open("w")
    code = (
        "from sanic import Sanic\n"
        "from webchat.routes import mount_webchat\n"
        "app = Sanic('webchat_pages_only')\n"
        "mount_webchat(app)\n"
        f"app.run(host='127.0.0.1', port={port}, access_log=False)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=server_env()
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + "/webchat/config.json", proc, log_path, seconds=60)
        yield {"url": url, "proc": proc}
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)
        log.close()


def _require_browser():
    problems = [p for p in (CHROMIUM, CHROMEDRIVER) if not (os.path.isfile(p) and os.access(p, os.X_OK))]
    if problems:
        pytest.fail(f"missing {', '.join(problems)}: {INSTALL}", pytrace=False)
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.fail("Selenium is not installed: pip install -r requirements.txt", pytrace=False)


def _new_driver(width: int = 1280, height: int = 800):
    _require_browser()
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="webchat-chrome-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    except WebDriverException as error:  # a broken install must say how to fix it, never skip
        shutil.rmtree(profile, ignore_errors=True)
        pytest.fail(f"Chromium did not start ({error.__class__.__name__}: {error}). {INSTALL}", pytrace=False)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    return driver, profile


@pytest.fixture()
def browser():
    """A fresh headless Chromium (new profile: no storage shared between tests) at 1280x800."""
    driver, profile = _new_driver()
    driver.execute_cdp_cmd(  # the window is 1280x800; make the page's viewport exactly that too
        "Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False}
    )
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing ({AXE.relative_to(ROOT)}): {INSTALL}", pytrace=False)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture()
def host_site(tmp_path, chat_server):
    """Another site (another origin: its own loopback port) that embeds the chat with the one script tag."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "host.html").write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>A clinic</title></head><body>"
        "<main><h1>A clinic's own page</h1><p>Some text.</p></main>"
        f"<script src='{chat_server['url']}/webchat/embed.js' defer data-region='uk' data-title='Clinic chat'"
        " data-color='#2e5e4e' data-exit-url='/left.html'></script></body></html>"
    )
    (site / "left.html").write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Neutral</title></head>"
        "<body><main><h1>Weather</h1></main></body></html>"
    )
    port = free_port()
    log_path = tmp_path / "host.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(site)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + "/left.html", proc, log_path, seconds=30)
        yield {"url": url}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
