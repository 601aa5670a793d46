"""Debian's Chromium driven by Playwright, against the end-to-end suite's running
stack (tests/e2e/conftest.py: the Procfile's processes, started once for all
end-to-end tests). Chromium is installed where it is missing and we may (root
with apt); otherwise the tests say why they skip."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


def ensure_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", "chromium"], check=False, capture_output=True
        )
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing and could not be installed (apt-get install chromium as root)")


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    ensure_chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


AXE = Path(__file__).resolve().parents[3] / "var" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
ENSURE_BROWSER = Path(__file__).resolve().parents[3] / "infra" / "local" / "ensure-browser.sh"


@pytest.fixture(scope="session")
def axe() -> Path:
    """axe-core's script, as the project's setup installs it (infra/local/ensure-browser.sh)."""
    if not AXE.exists():
        subprocess.run(["bash", str(ENSURE_BROWSER)], check=False, capture_output=True)
    if not AXE.exists():
        pytest.skip(f"{AXE} is missing and could not be installed (infra/local/ensure-browser.sh needs npm)")
    return AXE
