"""A real headless Chromium driven by Selenium, one per test module, and screenshots of what it shows.

Debian's `chromium` and `chromium-driver` packages (`.ci/run` installs them). Like a service, a missing browser
fails the test in CI and skips it loudly elsewhere.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WINDOW = (1200, 900)  # pixels, a laptop's window
PAGE_LOAD_SECONDS = 30


def require_browser() -> None:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if not missing:
        return
    message = f"the browser is not installed ({', '.join(missing)} missing)"
    if os.environ.get("CI"):
        pytest.fail(f"{message}: CI must run every browser test")
    pytest.skip(f"SKIPPED LOUDLY: {message}; apt-get install chromium chromium-driver to run this test")


def new_browser():
    """A headless Chromium of its own: its own cookies, as another person's browser."""
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={WINDOW[0]},{WINDOW[1]}", "--lang=en-US"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(PAGE_LOAD_SECONDS)
    return driver


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium for the whole module (starting one takes a second); tests clear its cookies."""
    driver = new_browser()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def screenshot(browser, request, tmp_path):
    """`screenshot(name)`: a PNG of what the browser shows now, in $ENVADMIN_SCREENSHOTS or the test's tmp dir."""
    folder = Path(os.environ["ENVADMIN_SCREENSHOTS"]) if os.environ.get("ENVADMIN_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    test = re.sub(r"\W+", "-", request.node.name).strip("-")

    def take(name: str) -> Path:
        """The whole page, however long: the window grows to it for the shot."""
        path = folder / f"{test}--{name}.png"
        chrome = browser.execute_script("return window.outerHeight - window.innerHeight")
        page = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(WINDOW[0], max(WINDOW[1], page + chrome))
        try:
            assert browser.save_screenshot(str(path)), f"no screenshot written to {path}"
        finally:
            browser.set_window_size(*WINDOW)
        return path

    return take
