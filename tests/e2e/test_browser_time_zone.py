"""A person's time zone and the dates of the dense tables, in a real browser on a running stack (Redis +
PostgreSQL, `envadmin worker` and `envadmin web`): the sign-in form reports the browser's zone (Chromium told it is
in Paris), which is saved for a person who had none; her tables then write their dates in French in that zone,
labelled, inside <time datetime>; she changes it on /time-zone, and a zone unknown here is refused, named. The ops
dashboard's dead letters read in French."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

from messaging.broker import publish_batch
from store.chosen_time_zones import chosen_time_zone

from ..support.builders import choose_password
from .browser_steps import PASSWORD, fill, main_text, press, submit, wait_for_text

ACCOUNT = "4401"
CHLOE = "chloe.zone@example.com"
FRENCH_DATE = r"\d{1,2} (janv|févr|mars|avr|mai|juin|juil|août|sept|oct|nov|déc)\.? \d{4}, \d\d:\d\d"


def ops_url(stack) -> str:
    return f"http://ops:{stack.ops_password}@{stack.url.removeprefix('http://')}/ops"


def times(browser, selector: str) -> list[tuple[str, str]]:
    """(datetime attribute, text) of each <time> under `selector`."""
    return [(element.get_attribute("datetime"), element.text)
            for element in browser.find_elements(By.CSS_SELECTOR, f"{selector} time")]


def test_the_browsers_zone_is_saved_at_sign_in_then_chosen_and_tables_write_french_dates_in_it(web_stack, browser,
                                                                                                screenshot):
    web_stack.open_account(ACCOUNT, CHLOE)
    assert choose_password(web_stack.client.engine, CHLOE, "temporary-pass", PASSWORD, datetime.now(timezone.utc)).ok
    browser.delete_all_cookies()
    browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Europe/Paris"})
    try:
        browser.get(f"{web_stack.url}/login")
        assert browser.find_element(By.ID, "browser_time_zone").get_attribute("value") == "Europe/Paris"
        fill(browser, email=CHLOE, password=PASSWORD)
        submit(browser)
    finally:
        browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": ""})
    assert chosen_time_zone(web_stack.client.engine, CHLOE) == "Europe/Paris"
    assert browser.find_element(By.CSS_SELECTOR, "header a.zone").text == "Europe/Paris"

    browser.get(f"{web_stack.url}/language?to=fr&next=/accounts/{ACCOUNT}/users")
    screenshot("1-users-in-paris")
    [(instant, written)] = times(browser, "table.directory tbody")  # her last sign-in, the directory's only date
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", instant), instant
    assert re.fullmatch(rf"{FRENCH_DATE} \(Europe/Paris\)", written), written
    assert "Dernière connexion" in main_text(browser)

    browser.get(f"{web_stack.url}/accounts/{ACCOUNT}/audit")
    screenshot("2-audit-in-paris")
    cells = times(browser, "table.trail tbody")
    assert cells and all(re.fullmatch(rf"{FRENCH_DATE}:\d\d \(Europe/Paris\)", text) for _, text in cells), cells

    press(browser, browser.find_element(By.CSS_SELECTOR, "header a.zone"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Votre fuseau horaire"
    zone = Select(browser.find_element(By.ID, "time_zone"))
    assert zone.first_selected_option.get_attribute("value") == "Europe/Paris"
    zone.select_by_value("America/New_York")
    submit(browser)
    screenshot("3-zone-saved")
    assert "Votre fuseau horaire est enregistré." in main_text(browser)
    assert "Les heures sont données en America/New_York." in main_text(browser)
    assert chosen_time_zone(web_stack.client.engine, CHLOE) == "America/New_York"
    browser.get(f"{web_stack.url}/accounts/{ACCOUNT}/users")
    [(_instant, written)] = times(browser, "table.directory tbody")
    assert written.endswith("(America/New_York)"), written

    browser.get(f"{web_stack.url}/time-zone")  # a forged option: what the server is sent, not what it offered
    browser.execute_script("const o = document.querySelector('#time_zone option[value=\"Europe/Paris\"]');"
                           "o.value = 'Mars/Olympus'; o.selected = true;")
    submit(browser)
    screenshot("4-zone-refused")
    error = browser.find_element(By.CSS_SELECTOR, "#time_zone-error").text
    assert error == "« Mars/Olympus » n’est pas un fuseau horaire connu ici : choisissez-en un dans la liste, par " \
                    "exemple Europe/Paris.", error
    assert chosen_time_zone(web_stack.client.engine, CHLOE) == "America/New_York"

    assert publish_batch(web_stack.client.celery, web_stack.settings.queue, [{"not": "a command"}])
    browser.get(ops_url(web_stack))  # the ops pages follow the browser's language and zone too
    wait_for_text(browser, "commande invalide")
    screenshot("5-ops-dead-letters")
    letters = browser.find_element(By.ID, "ops-dead-letters")
    assert "Quand" in letters.text and "invalid command" not in letters.text
    assert all(text.endswith("(America/New_York)") and re.match(FRENCH_DATE, text)
               for _, text in times(browser, "#ops-dead-letters tbody")), letters.text
