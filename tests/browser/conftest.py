"""Fixtures of the browser tests: the programs they need (from the
environment scripts/browser-tests.sh sets), a directory for artifacts, and
two headless Chromium users kept for the whole run (starting a browser is
the slow part)."""

import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness import Page, chromium, temp_dir

# A zone far from UTC, so "[HH:MM] in the viewer's local time" is checked
# against something that differs from the server's UTC.
BROWSER_TZ = "Asia/Kolkata"


def need(variable):
    value = os.environ.get(variable, "")
    if not value or not os.path.exists(value):
        pytest.fail(f"{variable} must name an existing file (scripts/browser-tests.sh sets it); got {value!r}")
    return value


@pytest.fixture(scope="session")
def programs():
    return {
        "linechat": need("LINECHAT_BIN"),
        "chromium": need("LINECHAT_CHROMIUM"),
        "chromedriver": need("LINECHAT_CHROMEDRIVER"),
        "redis": need("LINECHAT_REDIS_SERVER"),
    }


@pytest.fixture(scope="session")
def artifacts():
    # Not emptied: scripts/browser-tests.sh is writing pytest.log there.
    path = os.environ.get("LINECHAT_BROWSER_ARTIFACTS") or os.path.abspath("browser-artifacts")
    os.makedirs(path, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def browsers(programs, artifacts):
    """Two browser users' pages (not yet on any server). At the end each
    leaves a screenshot of how it was, and its console, in the artifacts."""
    def start(who):
        profile = temp_dir(artifacts, f"profile-{who}")
        return Page(chromium(programs["chromium"], programs["chromedriver"], profile, BROWSER_TZ), who)

    # Both at once: a browser's start is mostly waiting (about 2 s each here).
    with ThreadPoolExecutor(2) as pool:
        pages = list(pool.map(start, ["ann", "bea"]))
    yield pages
    for page in pages:
        try:
            page.driver.save_screenshot(os.path.join(artifacts, f"{page.who}-at-end.png"))
            with open(os.path.join(artifacts, f"{page.who}-console.txt"), "w") as out:
                for entry in page.driver.get_log("browser"):
                    out.write(f"{entry['level']} {entry['message']}\n")
        finally:
            page.driver.quit()
    for page in pages:
        shutil.rmtree(os.path.join(artifacts, f"profile-{page.who}"), ignore_errors=True)
