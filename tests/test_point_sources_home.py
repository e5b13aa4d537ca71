"""scripts/point_sources_home.py on a scratch copy: afterwards every citation and review record points inside the
clone or at a page the assistant serves, and every review still matches its words."""

from __future__ import annotations

from bank import checks
from bank.loader import load_bank
from tests.conftest import ROOT
from tests.test_maintainer_path import run, scratch_copy


def test_the_data_change_points_every_citation_home_and_keeps_every_review(tmp_path):
    root = scratch_copy(tmp_path)  # carries docs/evidence.md, which the review records name
    assert (root / "docs" / "evidence.md").read_bytes() == (ROOT / "docs" / "evidence.md").read_bytes()
    first = run(root, "scripts/point_sources_home.py")
    assert first.returncode == 0, first.stderr
    again = run(root, "scripts/point_sources_home.py", "--check")
    assert again.returncode == 0 and "0 change(s) left" in again.stdout
    bank = load_bank(root / "data")
    assert checks.reference_problems(bank, root) == []
    assert checks.review_problems(bank) == [] and checks.schema_problems(bank) == []
    sources = {name: v["metadata"]["sources"][0] for name, _, v in bank.variants()}
    assert sources["utter_faq_about_creator"]["url"] == "/about"
    assert sources["utter_faq_about_privacy"]["url"] == "/privacy"
    assert sources["utter_fallback"]["url"] == "/about"
    assert sources["utter_region_set"]["url"] == "/about#help-lines"
    against = {v["metadata"]["review"]["checked_against"] for _, _, v in bank.variants()}
    assert "the sources cited in this answer" not in against  # each says where the evidence is summarised
    assert not any("CONTENT_BRIEF" in a for a in against)
