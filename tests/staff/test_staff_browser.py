"""The staff page in headless Chromium (one browser for the module): sign in, explain, bank, conversation."""

from __future__ import annotations

import pytest

from tests.staff.conftest import TOKEN

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def driver():
    import shutil

    from tests.webchat.conftest import _new_driver

    drv, profile = _new_driver()
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _wait(driver, condition, seconds=60):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds).until(condition)


def test_staff_page_in_chromium(staff_server, driver):
    from selenium.webdriver.common.by import By

    driver.get(staff_server["url"] + "/staff")
    assert driver.find_element(By.ID, "console").is_displayed() is False

    driver.find_element(By.ID, "token").send_keys("not-the-token")
    driver.find_element(By.CSS_SELECTOR, "#login-form button").click()
    _wait(driver, lambda d: "refused" in d.find_element(By.ID, "login-status").text)
    assert not driver.find_element(By.ID, "console").is_displayed()

    driver.find_element(By.ID, "token").send_keys(TOKEN)
    driver.find_element(By.CSS_SELECTOR, "#login-form button").click()
    _wait(driver, lambda d: d.find_element(By.ID, "console").is_displayed())

    driver.find_element(By.ID, "message").send_keys("i want to kill myself")
    driver.find_element(By.CSS_SELECTOR, "#explain-form button[type=submit]").click()
    _wait(driver, lambda d: "pattern=" in d.find_element(By.ID, "explanation").text)
    guard = driver.find_element(By.ID, "guardrail").text
    assert "guard=crisis" in guard and "pattern=sui." in guard
    reply = driver.find_element(By.ID, "reply").text
    assert "guard_crisis_suicide" in reply and "contacts_crisis" in reply and "Review:" in reply
    conversation_id = driver.find_element(By.ID, "conversation-id").text
    assert conversation_id.startswith("staff-console-")

    driver.find_element(By.ID, "bank-query").send_keys("kratom")
    driver.find_element(By.CSS_SELECTOR, "#bank-form button").click()
    _wait(driver, lambda d: "answers" in d.find_element(By.ID, "bank-summary").text)
    assert len(driver.find_elements(By.CSS_SELECTOR, "#bank-results .entry")) > 3

    driver.find_element(By.CSS_SELECTOR, "#conversation-form button[type=submit]").click()
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#conversation .turn"))
    assert "i want to kill myself" in driver.find_element(By.ID, "conversation").text

    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE" and "401" not in e["message"]]
    assert not errors, errors
