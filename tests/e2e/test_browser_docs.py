"""/docs in a real browser: Swagger UI renders the published schema from the server's own assets, under the page's
Content-Security-Policy, and nothing is fetched from another host."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By

from ..support.stack_settings import clean_environ, make_settings, settings_env
from ..support.waiting import wait_until
from .web_server import WebServer

RENDER_TIMEOUT = 30  # seconds for Swagger UI to fetch and render the schema
OPERATIONS = 19  # the API's operations: the /v1 routes and /healthz


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`envadmin web` on the embedded store: the docs need no broker, worker nor token."""
    folder = tmp_path_factory.mktemp("docs")
    settings = make_settings(folder / "var", None, None)
    web = WebServer(folder / "web.log", {**clean_environ(), **settings_env(settings)}, folder).start()
    try:
        try:
            web.wait_until_ready()
        except RuntimeError as problem:
            pytest.fail(str(problem)[-4000:])
        yield web
    finally:
        web.stop()


def test_the_docs_render_every_operation_from_the_servers_own_assets(server, browser, screenshot):
    browser.get(f"{server.url}/docs")
    wait_until(lambda: len(browser.find_elements(By.CSS_SELECTOR, ".opblock")) == OPERATIONS,
               "Swagger UI to render the API's operations", timeout=RENDER_TIMEOUT, poll=0.2,
               ignoring=(WebDriverException,))
    summaries = [element.text for element in browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")]
    assert "/v1/commands" in summaries and "/healthz" in summaries
    assert browser.find_elements(By.CSS_SELECTOR, ".authorize"), "the bearer scheme gives an Authorize button"
    screenshot("operations")

    browser.find_element(By.CSS_SELECTOR, "#operations-default-submit_commands_v1_commands_post button").click()
    wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, ".opblock-body select"),
               "the body's examples to be offered", timeout=RENDER_TIMEOUT, poll=0.2, ignoring=(WebDriverException,))
    body = browser.find_element(By.CSS_SELECTOR, ".opblock-body").text
    assert "create_account" in body and "hr-ticket-4711" in body  # the first example, shown as the body
    assert "413" in body and "body: at most 1048576 bytes" in body  # an error status with its example
    screenshot("submit-commands")

    fetched = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    host = urlsplit(server.url).netloc
    assert any(url.endswith("/openapi.json") for url in fetched), fetched
    assert any(url.endswith("/docs/assets/swagger-ui-bundle.js") for url in fetched), fetched
    assert [url for url in fetched if urlsplit(url).scheme != "data" and urlsplit(url).netloc != host] == []
