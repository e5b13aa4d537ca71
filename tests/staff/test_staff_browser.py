"""The staff page in headless Chromium (one browser for the module), as a supervisor uses it: sign in, try a
message, the inbox with a red banner, a correction with its words confirmed, the review queue, a batch upload,
accounts. Every tab passes the axe scan (no serious or critical violations)."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.staff.conftest import http

pytestmark = pytest.mark.server

SET_ASIDE = {
    "guard": "crisis",
    "outcome": "set_aside",
    "kind": "harm_others",
    "layer": "learned",
    "probability": 0.7,
    "band": {"checkin_from": 0.75, "crisis_from": 0.9},
}


@pytest.fixture(scope="module")
def driver():
    import shutil

    from tests.webchat.conftest import _new_driver

    drv, profile = _new_driver(1280, 900)
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait(driver, condition, seconds=60):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # lists redrawn while the test reads them (the answer picker refills as you type)
    return WebDriverWait(driver, seconds, ignored_exceptions=(StaleElementReferenceException,)).until(condition)


def by_id(driver, element_id):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, element_id)


def css(driver, selector):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def axe_clean(driver, axe_source):
    from tests.webchat.test_webchat_browser import run_axe

    serious = [v for v in run_axe(driver, axe_source) if v["impact"] in ("serious", "critical")]
    assert not serious, serious


def tab(driver, name):
    by_id(driver, f"tab-{name}-button").click()
    wait(driver, lambda d: by_id(d, f"tab-{name}").is_displayed())


def sign_in(driver, url, name, secret):
    driver.get(url + "/staff")
    wait(driver, lambda d: by_id(d, "login-form"))
    by_id(driver, "login-name").send_keys(name)
    by_id(driver, "login-secret").send_keys(secret)
    css(driver, "#login-form button")[0].click()


@pytest.fixture(scope="module")
def set_aside_visitor(staff_server):
    """A stored conversation where a crisis signal was set aside (written as the pipeline records it)."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    parse = {"intent": {"name": "nlu_fallback", "confidence": 0.3}, "guardrail": SET_ASIDE, "context": {}}
    parse["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.3}]
    now = time.time()
    events = [
        ActionExecuted("action_session_start", timestamp=now),
        UserUttered("there is a gun in the house and my name is Sam", parse["intent"], parse_data=parse, timestamp=now),
        ActionExecuted("utter_fallback", timestamp=now),
        BotUttered("I'm not sure I understood.", metadata={"utter_action": "utter_fallback"}, timestamp=now),
    ]
    store = SQLTrackerStore(dialect="sqlite", db=str(staff_server["db"]))
    asyncio.run(store.save(DialogueStateTracker.from_events("web-setaside-browser", events)))
    store.engine.dispose()
    return "web-setaside-browser"


def test_a_wrong_secret_is_refused_on_the_page(staff_server, driver):
    sign_in(driver, staff_server["url"], "vic", "not-the-secret")
    wait(driver, lambda d: "do not match" in by_id(d, "login-status").text)
    assert not by_id(driver, "console").is_displayed()


def test_a_supervisor_tries_a_message_and_reads_the_verdict_first(staff_server, driver, axe_source, screenshots):
    sign_in(driver, staff_server["url"], "vic", staff_server["secrets"]["vic"])
    wait(driver, lambda d: by_id(d, "console").is_displayed())
    assert "Vic Viewer" in by_id(driver, "who-name").text
    assert not css(driver, ".admin-only")[0].is_displayed()
    first_id = by_id(driver, "conversation-id").text
    assert first_id.startswith("staff-console-")
    by_id(driver, "message").send_keys("i want to kill myself")
    css(driver, "#explain-form button[type=submit]")[0].click()
    wait(driver, lambda d: css(d, "#try-result .verdict-text"))
    verdict = css(driver, "#try-result .verdict-text")[0].text
    assert verdict.startswith("Crisis route: suicide") and "kill myself" in verdict
    details = css(driver, "#try-result details.details")[0]
    assert not by_id(driver, "guardrail").is_displayed()  # the engineering details wait behind the toggle
    details.find_element("tag name", "summary").click()
    assert "guard=crisis" in by_id(driver, "guardrail").text
    links = css(driver, "#reply .sources a")
    assert links and all(a.get_attribute("href").startswith("https://") for a in links)
    assert all(a.get_attribute("rel") == "noopener noreferrer" for a in links)
    axe_clean(driver, axe_source)
    driver.save_screenshot(str(screenshots / "staff-try.png"))
    by_id(driver, "new-conversation").click()
    new_id = by_id(driver, "conversation-id").text
    assert new_id.startswith("staff-console-") and new_id != first_id
    assert by_id(driver, "conversation-query").get_attribute("value") == new_id


def pick_option(driver, select_id: str, value: str) -> bool:
    """Choose an option of a list the page may still be redrawing (each search keystroke rebuilds it)."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import Select

    try:
        select = Select(by_id(driver, select_id))
        select.select_by_value(value)
        return select.first_selected_option.get_attribute("value") == value
    except (StaleElementReferenceException, NoSuchElementException):
        return False


def test_the_inbox_shows_the_red_banner_and_a_correction_saves_confirmed_words(
    staff_server, driver, set_aside_visitor, axe_source, screenshots
):
    from selenium.webdriver.support.ui import Select

    tab(driver, "inbox")
    wait(driver, lambda d: css(d, "#inbox-list table"))
    Select(by_id(driver, "inbox-outcome")).select_by_value("alarm")
    css(driver, "#inbox-form button[type=submit]")[0].click()
    wait(
        driver,
        lambda d: set_aside_visitor in by_id(d, "inbox-list").text and "RED ALARM" in by_id(d, "inbox-list").text,
    )
    rows = css(driver, "#inbox-list tbody tr")
    assert len(rows) == 1
    axe_clean(driver, axe_source)
    rows[0].find_element("css selector", "button").click()
    wait(driver, lambda d: css(d, "#conversation .banner-red"))
    banner = css(driver, "#conversation .banner-red")[0].text
    assert "Crisis signal set aside" in banner and "NO full help lines" in banner
    text = css(driver, "#conversation .verdict-text")[0].text
    assert "possible crisis (70%" in text and "NO help lines" in text
    driver.save_screenshot(str(screenshots / "staff-inbox-banner.png"))
    checkbox = css(driver, "#conversation fieldset.tags input")[2]  # "missed crisis"
    checkbox.click()
    wait(
        driver,
        lambda d: (
            "missed crisis"
            in [
                t
                for c in http(
                    "GET",
                    staff_server["url"] + "/staff/api/inbox?tag=missed%20crisis",
                    token=staff_server["tokens"]["vic"],
                )[1]["conversations"]
                for t in c["tags"]
            ]
        ),
    )
    wrong = [b for b in css(driver, "#conversation .judge button") if "wrong" in b.text][0]
    wrong.click()
    wait(driver, lambda d: by_id(d, "correction").is_displayed() and css(d, "#answer-pick option"))
    by_id(driver, "answer-search").send_keys("harm")
    wait(
        driver,
        lambda d: any(o.get_attribute("value") == "guard_crisis_harm_others" for o in css(d, "#answer-pick option")),
    )
    wait(driver, lambda d: pick_option(d, "answer-pick", "guard_crisis_harm_others"))
    by_id(driver, "correction-note").send_keys("a gun at home is a crisis")
    area = css(driver, "#correction-texts textarea")[0]
    assert "Sam" in area.get_attribute("value") and "Sam" in by_id(driver, "correction-texts").text  # pointed out
    css(driver, "#correction-form button[type=submit]")[0].click()  # not confirmed yet: the browser refuses
    assert by_id(driver, "saved-story").text == ""
    area.clear()
    area.send_keys("there is a gun in the house")
    by_id(driver, "correction-confirm").click()
    axe_clean(driver, axe_source)
    driver.save_screenshot(str(screenshots / "staff-correction.png"))
    css(driver, "#correction-form button[type=submit]")[0].click()
    wait(driver, lambda d: "Saved to tests/test_stories_saved.yml" in by_id(d, "correction-status").text)
    story = by_id(driver, "saved-story").text
    assert "known_failure: true" in story and "there is a gun in the house" in story and "Sam" not in story


def test_a_reviewer_signs_from_the_queue(staff_server, driver, axe_source, screenshots):
    by_id(driver, "sign-out").click()
    wait(driver, lambda d: by_id(d, "login").is_displayed())
    sign_in(driver, staff_server["url"], "rita", staff_server["secrets"]["rita"])
    wait(driver, lambda d: by_id(d, "console").is_displayed())
    tab(driver, "review")
    wait(driver, lambda d: css(d, "#review-list .review-item"))
    assert "answers are signed by a clinician" in by_id(driver, "review-status").text
    item = css(driver, "#review-list .review-item")[0]
    assert item.find_elements("css selector", ".sources a") and item.find_elements("css selector", "details")
    axe_clean(driver, axe_source)
    driver.save_screenshot(str(screenshots / "staff-review.png"))
    sign = item.find_element("css selector", "button.sign")
    assert "Dr Rita Reviewer, PhD, clinical psychologist" in sign.text
    sign.click()
    wait(driver, lambda d: "Signed." in item.text)


def test_a_batch_upload_shows_pass_fail_and_the_counts(staff_server, driver, axe_source, screenshots, tmp_path):
    table = tmp_path / "phrasings.csv"
    table.write_text(
        "phrasing,expected,from\nwhat is emdr,faq_treatment_emdr,call 12\nwho made you,faq_treatment_cpt,call 13\n"
    )
    tab(driver, "batch")
    by_id(driver, "batch-file").send_keys(str(table))
    css(driver, "#batch-form button[type=submit]")[0].click()
    wait(driver, lambda d: css(d, "#batch-result table"))
    summary = by_id(driver, "batch-summary").text
    assert "passed 1, failed 1" in summary and "CONFIDENTLY WRONG (sure, at 80% or more, and wrong): 1" in summary
    cells = [c.text for c in css(driver, "#batch-result tbody tr:nth-child(2) td")]
    assert "fail" in cells and "CONFIDENTLY WRONG" in cells and "call 13" in cells
    assert css(driver, "#batch-result a[download]")
    axe_clean(driver, axe_source)
    driver.save_screenshot(str(screenshots / "staff-batch.png"))


def test_an_admin_creates_an_account_and_sees_its_secret_once(staff_server, driver, axe_source):
    by_id(driver, "sign-out").click()
    sign_in(driver, staff_server["url"], "ana", staff_server["secrets"]["ana"])
    wait(driver, lambda d: by_id(d, "console").is_displayed())
    tab(driver, "accounts")
    wait(driver, lambda d: css(d, "#accounts-list table"))
    by_id(driver, "account-name").send_keys("sam.supervisor")
    by_id(driver, "account-full-name").send_keys("Sam Supervisor")
    css(driver, "#account-form button[type=submit]")[0].click()
    wait(driver, lambda d: by_id(d, "account-secret").is_displayed())
    assert "sam.supervisor" in by_id(driver, "accounts-list").text
    axe_clean(driver, axe_source)
    tab(driver, "audit")
    wait(driver, lambda d: "intact" in by_id(d, "audit-status").text)
    assert "account.create" in by_id(driver, "audit-list").text
    axe_clean(driver, axe_source)
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE" and "401" not in e["message"]]
    assert not errors, errors


def test_the_set_up_page_passes_the_axe_scan(staff_server, driver, axe_source, tmp_path):
    path = tmp_path / "setup.html"
    path.write_text(staff_server["setup"][1], encoding="utf-8")
    driver.get(path.as_uri())
    axe_clean(driver, axe_source)
