"""The docs need nothing outside the clone: every relative link and image resolves, no page sends the reader
to a file the repository does not have, and every make target a page names exists."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

PAGES = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
LINK = re.compile(r"!?\[[^\]]*\]\(<?([^)>\s]+)>?\)")
OUTSIDE = ("CONTENT_BRIEF", "../shared/", "/work/")


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_relative_links_and_images_resolve(page):
    text = page.read_text(encoding="utf-8")
    broken = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        path = (page.parent / target.split("#", 1)[0]).resolve()
        if not path.exists():
            broken.append(target)
    assert not broken, f"{page.name}: {broken}"


@pytest.mark.parametrize("page", [p for p in PAGES if p.name != "answer-catalog.md"], ids=lambda p: p.name)
def test_no_page_points_outside_the_clone(page):
    text = page.read_text(encoding="utf-8")
    assert not [word for word in OUTSIDE if word in text], page.name


def test_every_make_target_the_docs_name_exists():
    targets = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.M))
    named = {t for page in PAGES for t in re.findall(r"`make ([a-z][\w-]*)", page.read_text(encoding="utf-8"))}
    assert named and not named - targets, sorted(named - targets)


def test_the_staff_walkthrough_shows_screenshots_that_exist():
    images = re.findall(r"!\[[^\]]*\]\((images/[^)]+)\)", (ROOT / "docs" / "staff.md").read_text(encoding="utf-8"))
    assert len(images) >= 8
    for image in images:
        path = ROOT / "docs" / image
        assert path.exists() and path.stat().st_size < 120_000, image  # small PNGs
