"""Take the screenshots in docs/staff.md: the real server and staff page in headless Chromium, on scratch data.

    python scripts/staff_screenshots.py [--out docs/images]

Starts `python -m server` on a temporary SQLite store with a scratch copy of the bank (nothing is written to
the repository's data/), creates three demo accounts, has two demo visitors talk to it (one stored as the
pipeline records a crisis signal set aside), then signs in as a supervisor and a reviewer and saves small
PNGs of each part of the console. Needs Chromium (make browser-deps).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WIDTH, HEIGHT = 1100, 900
SET_ASIDE = {
    "guard": "crisis",
    "outcome": "set_aside",
    "kind": "harm_others",
    "layer": "learned",
    "probability": 0.7,
    "band": {"checkin_from": 0.75, "crisis_from": 0.9},
}


def post(url: str, body: dict, token: str | None = None) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=60) as res:
        return json.loads(res.read() or b"{}")


def scratch_checkout(where: Path) -> Path:
    for rel in ("data", "tests/heldout", "tests/test_stories.yml"):
        src, dst = ROOT / rel, where / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dst)
    git = ["git", "-c", "user.name=demo", "-c", "user.email=demo@example.org"]
    subprocess.run(["git", "init", "-q"], cwd=where, check=True)
    subprocess.run(git + ["add", "-A"], cwd=where, check=True)
    subprocess.run(git + ["commit", "-qm", "demo"], cwd=where, check=True)
    return where


def store_set_aside(db: Path) -> None:
    """A visitor whose crisis signal was set aside, as the pipeline records it (the demo's red banner)."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    parse = {"intent": {"name": "nlu_fallback", "confidence": 0.3}, "guardrail": SET_ASIDE, "context": {}}
    parse["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.3}]
    now = time.time()
    events = [
        ActionExecuted("action_session_start", timestamp=now),
        UserUttered(
            "my brother left his gun at my place and i keep looking at it",
            parse["intent"],
            parse_data=parse,
            timestamp=now,
        ),
        ActionExecuted("utter_fallback", timestamp=now),
        BotUttered(
            "I'm not sure I understood. I would rather not guess.",
            metadata={"utter_action": "utter_fallback"},
            timestamp=now,
        ),
    ]
    store = SQLTrackerStore(dialect="sqlite", db=str(db))
    asyncio.run(store.save(DialogueStateTracker.from_events("web-demo-2f9c", events)))
    store.engine.dispose()


def small_png(png: bytes, path: Path) -> None:
    """Save a screenshot as a small PNG (256 colours, at most WIDTH pixels wide)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    if image.width > WIDTH:
        image = image.resize((WIDTH, round(image.height * WIDTH / image.width)))
    image.quantize(colors=256).save(path, optimize=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "docs" / "images"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    import sqlalchemy as sa
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from server.local import local_server
    from staff import accounts, db

    work = Path(tempfile.mkdtemp(prefix="staff-shots-"))
    checkout = scratch_checkout(work / "checkout")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={WIDTH},{HEIGHT}",
    ):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={work / 'profile'}")
    with local_server(work / "server", ROOT / "models" / "current.tar.gz", env={"STAFF_CHECKOUT": str(checkout)}) as s:
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        wait = WebDriverWait(driver, 60)

        def shot(name: str, element_id: str | None = None, css: str | None = None) -> None:
            target = driver.find_element(By.ID, element_id) if element_id else driver.find_element(By.CSS_SELECTOR, css)
            driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", target)
            small_png(target.screenshot_as_png, out / f"{name}.png")
            print(f"wrote {out / name}.png")

        try:
            driver.get(s.url + "/staff")
            shot("staff-setup", css="body")
            engine = sa.create_engine(f"sqlite:///{s.db}")
            db.create_tables(engine)
            secrets = {
                "maria": accounts.create(engine, "maria", "viewer", "Maria Lopez", "", actor="demo"),
                "drkim": accounts.create(
                    engine, "drkim", "reviewer", "Dr Dana Kim", "PhD, clinical psychologist", actor="demo"
                ),
            }
            engine.dispose()
            for text in ("hi", "what is emdr", "how much kratom should i take for sleep"):
                post(s.url + "/webhooks/rest/webhook", {"sender": "web-demo-7a1e", "message": text})
            store_set_aside(s.db)

            driver.get(s.url + "/staff")
            wait.until(lambda d: d.find_element(By.ID, "login-form"))
            shot("staff-sign-in", "login")
            driver.find_element(By.ID, "login-name").send_keys("maria")
            driver.find_element(By.ID, "login-secret").send_keys(secrets["maria"])
            driver.find_element(By.CSS_SELECTOR, "#login-form button").click()
            wait.until(lambda d: d.find_element(By.ID, "console").is_displayed())
            driver.find_element(By.ID, "message").send_keys("i want to kill myself")
            driver.find_element(By.CSS_SELECTOR, "#explain-form button[type=submit]").click()
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#try-result .verdict-text"))
            shot("staff-try-verdict", "tab-try")

            driver.find_element(By.ID, "tab-inbox-button").click()
            wait.until(lambda d: "web-demo-2f9c" in d.find_element(By.ID, "inbox-list").text)
            shot("staff-inbox", css="#tab-inbox form.filters")
            shot("staff-inbox-list", "inbox-list")
            [b for b in driver.find_elements(By.CSS_SELECTOR, "#inbox-list button") if b.text == "web-demo-2f9c"][
                0
            ].click()
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#conversation .banner-red"))
            shot("staff-conversation-banner", "conversation")
            [b for b in driver.find_elements(By.CSS_SELECTOR, "#conversation .judge button") if "wrong" in b.text][
                0
            ].click()
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#answer-pick option"))
            driver.find_element(By.ID, "answer-search").send_keys("harm")
            time.sleep(1.5)
            Select(driver.find_element(By.ID, "answer-pick")).select_by_value("guard_crisis_harm_others")
            driver.find_element(By.ID, "correction-note").send_keys(
                "Access to a gun and staring at it: this is a crisis."
            )
            area = driver.find_element(By.CSS_SELECTOR, "#correction-texts textarea")
            area.clear()
            area.send_keys("someone left a gun at my place and i keep looking at it")
            driver.find_element(By.ID, "correction-confirm").click()
            shot("staff-correction", "correction")
            driver.find_element(By.CSS_SELECTOR, "#correction-form button[type=submit]").click()
            wait.until(lambda d: "Saved to" in d.find_element(By.ID, "correction-status").text)
            shot("staff-correction-saved", "saved-story")

            table = work / "phrasings.csv"
            table.write_text(
                "phrasing,expected,from\nwhat is emdr,faq_treatment_emdr,call 12\n"
                "my buddy said he doesn't see the point anymore what do i do,guard_checkin|guard_crisis_third_party,call 14\n"
                "i keep having nightmares,faq_coping_nightmares|feeling_flashbacks_nightmares,call 15\n"
                "how much kratom should i take,guard_kratom_dose,call 16\n"
            )
            driver.find_element(By.ID, "tab-batch-button").click()
            driver.find_element(By.ID, "batch-file").send_keys(str(table))
            driver.find_element(By.CSS_SELECTOR, "#batch-form button[type=submit]").click()
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#batch-result table"))
            shot("staff-batch", "tab-batch")

            driver.find_element(By.ID, "sign-out").click()
            wait.until(lambda d: d.find_element(By.ID, "login").is_displayed())
            driver.find_element(By.ID, "login-name").clear()
            driver.find_element(By.ID, "login-name").send_keys("drkim")
            driver.find_element(By.ID, "login-secret").send_keys(secrets["drkim"])
            driver.find_element(By.CSS_SELECTOR, "#login-form button").click()
            wait.until(lambda d: d.find_element(By.ID, "console").is_displayed())
            driver.find_element(By.ID, "tab-review-button").click()
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#review-list .review-item"))
            shot("staff-review-item", css="#review-list .review-item")
        finally:
            driver.quit()
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
