"""The language of a page (producers.web.language): the reader's choice from the header's switch, remembered, else
their browser's Accept-Language, else English; over HTTP against `create_http_app` on a real store."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from producers.http_app import create_http_app

from .apply_here import applier


@pytest.fixture
def browser(database_url, tmp_path):
    settings, engine, _, _ = applier(database_url, tmp_path)
    with TestClient(create_http_app(settings, pages=True, token="")) as client:
        yield client
    engine.dispose()


def test_a_browser_asking_for_french_reads_the_sign_in_page_in_french(browser):
    page = browser.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.8"})
    assert '<html lang="fr">' in page.text and page.headers["content-language"] == "fr"
    assert "Mot de passe oublié" in page.text and "Se connecter" in page.text and "Forgot" not in page.text
    assert 'href="/language?to=en&amp;next=/login"' in page.text


@pytest.mark.parametrize("accept", [None, "de-DE,de;q=0.9", "en-GB,fr;q=0.5", "fr;q=0, en"])
def test_english_otherwise(browser, accept):
    page = browser.get("/login", headers={"Accept-Language": accept} if accept else {})
    assert '<html lang="en">' in page.text and "Forgot your password?" in page.text


def test_the_switch_is_remembered_over_what_the_browser_asks_and_goes_back_to_the_page(browser):
    switched = browser.get("/language", params={"to": "fr", "next": "/login"}, follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/login"
    page = browser.get("/login", headers={"Accept-Language": "en"})
    assert '<html lang="fr">' in page.text and "Mot de passe oublié" in page.text
    assert browser.get("/language", params={"to": "xx", "next": "https://evil.example/"},
                       follow_redirects=False).headers["location"] == "/"
    assert '<html lang="fr">' in browser.get("/login").text
