"""Clinical sign-off on a scratch copy (never in the repository: every answer here stays pending until a real
clinician signs): signatures bound to the words, the queue, the packet round trip, the training and release gates."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bank import packet, queue, release
from bank.fingerprint import fingerprint
from bank.loader import load_bank
from bank.review import (
    ReviewError,
    parse_signature,
    record_review,
    record_signature,
    signer_line,
    valid_signature,
)
from tests.test_maintainer_path import edit, run, scratch_copy

SIGNER = "Dr Test Clinician, PhD clinical psychology"
KEY = "faq_treatment_emdr"


def variant(root: Path, key: str = KEY, index: int = 0) -> dict:
    return load_bank(root / "data").responses[f"utter_{key}"][index]


def edit_one_word(root: Path, key: str = KEY) -> None:
    def change(doc):
        responses = doc.get("responses") or {}
        if f"utter_{key}" in responses:
            target = responses[f"utter_{key}"][0]
            target["text"] = target["text"].replace(" ", " really ", 1)

    for path in sorted((root / "data").rglob("*.yml")):
        if f"utter_{key}:" in path.read_text(encoding="utf-8"):
            edit(path, change)


@pytest.fixture()
def copy(tmp_path) -> Path:
    return scratch_copy(tmp_path)


def test_no_answer_in_the_repository_carries_a_signature_yet():
    """Signatures are given by clinicians, never by tests or maintainers: the repository's bank is all pending
    until then. (Delete this test in the commit that records the first real signature.)"""
    for name, _, v in load_bank().variants():
        assert v["metadata"]["review"]["clinical_review"] == "pending", name


def test_the_schema_takes_pending_or_a_signature_bound_to_a_fingerprint():
    schema = yaml.safe_load((Path("bank") / "schema.yml").read_text(encoding="utf-8"))
    pattern = schema["properties"]["metadata"]["properties"]["review"]["properties"]["clinical_review"]["pattern"]
    assert re.match(pattern, "pending")
    assert re.match(pattern, f"signed: {SIGNER} 2026-12-01 {'a' * 64}")
    for bad in ("signed: Someone", f"signed: NoCredential 2026-12-01 {'a' * 64}", "signed: A, B 2026-12-01 abc", "ok"):
        assert not re.match(pattern, bad), bad


def test_a_signature_is_bound_to_the_words_and_an_edit_voids_it(copy):
    printed = fingerprint(variant(copy))
    path, value = record_signature(copy, KEY, 0, printed, SIGNER, "2026-12-01")
    assert value == f"signed: {SIGNER} 2026-12-01 {printed}"
    assert valid_signature(variant(copy)).signer == SIGNER
    assert f"clinical_review: 'signed: {SIGNER}" in path.read_text(encoding="utf-8")
    assert KEY not in [i["key"] for i in queue.build(copy)]
    assert queue.counts(copy)["signed"] == 1

    edit_one_word(copy)
    assert valid_signature(variant(copy)) is None  # and the maintainers' review is void too
    back = [i for i in queue.build(copy) if i["key"] == KEY]
    assert back and any("words changed since" in r for r in back[0]["flagged"])
    assert any(KEY in line for line in release.unsigned(load_bank(copy / "data").responses))


def test_signing_words_that_changed_since_they_were_read_is_refused(copy):
    read = fingerprint(variant(copy))
    edit_one_word(copy)
    record_review(copy, KEY, "Maintainer", "the cited sources")  # the maintainers re-checked the new words
    with pytest.raises(ReviewError, match="changed since it was read"):
        record_signature(copy, KEY, 0, read, SIGNER)
    assert valid_signature(variant(copy)) is None


def test_words_whose_maintainers_review_is_void_cannot_be_signed(copy):
    edit_one_word(copy)
    with pytest.raises(ReviewError, match="maintainers' review does not match"):
        record_signature(copy, KEY, 0, fingerprint(variant(copy)), SIGNER)


def test_a_maintainers_review_keeps_a_signature_only_for_the_same_words(copy):
    record_signature(copy, KEY, 0, fingerprint(variant(copy)), SIGNER)
    record_review(copy, KEY, "Maintainer", "docs/evidence.md")
    assert valid_signature(variant(copy)) is not None
    edit_one_word(copy)
    record_review(copy, KEY, "Maintainer", "docs/evidence.md")
    assert variant(copy)["metadata"]["review"]["clinical_review"] == "pending"


def test_a_signature_needs_a_name_and_a_credential():
    assert signer_line(" Dr  A ", "PhD ") == "Dr A, PhD"
    for name, credential in (("", "PhD"), ("Dr A", ""), ("Dr A", "x" * 200), ("A", "PhD")):
        with pytest.raises(ReviewError):
            signer_line(name, credential)


def test_help_line_contacts_are_signed_like_any_answer_and_regenerating_keeps_it(copy):
    responses = load_bank(copy / "data").responses
    index = len(responses["utter_contacts_crisis"]) - 1  # the default (US) variant
    record_signature(copy, "contacts_crisis", index, fingerprint(responses["utter_contacts_crisis"][index]), SIGNER)
    assert run(copy, "scripts/generate_contacts.py", "--check").returncode == 0  # the signed file is what it renders
    assert run(copy, "scripts/generate_contacts.py").returncode == 0
    assert valid_signature(load_bank(copy / "data").responses["utter_contacts_crisis"][index]) is not None


def test_the_queue_shows_the_diff_against_the_last_signed_version_from_git(copy):
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
    subprocess.run(git + ["add", "-A"], cwd=copy, check=True)
    subprocess.run(git + ["commit", "-qm", "bank"], cwd=copy, check=True)
    record_signature(copy, KEY, 0, fingerprint(variant(copy)), SIGNER, "2026-12-01")
    subprocess.run(git + ["commit", "-qam", "signed"], cwd=copy, check=True)
    edit_one_word(copy)
    item = next(i for i in queue.build(copy) if i["key"] == KEY)
    assert item["state"] == "changed since signed" and item["last_signed"]["signer"] == SIGNER
    assert {"op": "insert", "text": "really"} in item["diff"]
    assert item["flagged"] and item["rules"] and item["examples_total"] >= 15 and item["held_out_total"] >= 4
    assert all(s["url"].startswith("https://") for s in item["sources"])


def test_flagged_and_stale_answers_come_first(copy):
    edit_one_word(copy)  # the maintainers' review is now void: flagged
    items = queue.build(copy, today=__import__("datetime").date(2030, 1, 1))  # every dated fact is stale then
    assert items[0]["key"] == KEY and items[0]["flagged"]
    ranks = [(not i["flagged"], not i["stale"]) for i in items]
    assert ranks == sorted(ranks)


def fill(rows, decision="sign", **fields):
    for row in rows:
        row.update({"decision": decision, "name": "Dr Test Clinician", "credential": "PhD clinical psychology"})
        row.update({"date": "2026-12-01"}, **fields)
    return rows


def to_csv(rows) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=packet.COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_packet_round_trip_records_sign_offs_only_for_unchanged_words(copy, tmp_path):
    stats = packet.write(copy, tmp_path / "packet", pdf=False)
    page = (tmp_path / "packet" / "packet.html").read_text(encoding="utf-8")
    assert stats["answers"] == queue.counts(copy)["answers"] and "I have read these words" in page
    assert "<script" not in page and stats["answer_words"] > 1000
    rows = list(csv.DictReader((tmp_path / "packet" / "packet.csv").open(encoding="utf-8")))
    chosen = [r for r in rows if r["key"] in (KEY, "faq_treatment_cpt", "guard_crisis_suicide")]
    fill(chosen)
    edit_one_word(copy)  # EMDR changes after printing, before the packet comes back
    record_review(copy, KEY, "Maintainer", "docs/evidence.md")
    result = packet.import_rows(copy, to_csv(chosen + [dict(rows[0], decision="")]))
    assert sorted(e["key"] for e in result["signed"]) == ["faq_treatment_cpt", "guard_crisis_suicide"]
    assert [e["key"] for e in result["rejected"]] == [KEY] and "changed since" in result["rejected"][0]["line"]
    assert len(result["skipped"]) == 1
    assert valid_signature(variant(copy, "faq_treatment_cpt")) and not valid_signature(variant(copy))


def test_packet_import_refuses_bad_rows(copy, tmp_path):
    packet.write(copy, tmp_path / "p", pdf=False)
    rows = list(csv.DictReader((tmp_path / "p" / "packet.csv").open(encoding="utf-8")))[:4]
    fill(rows[:1], decision="sign", name="")
    fill(rows[1:2], decision="changes", comment="")
    fill(rows[2:3], decision="maybe")
    fill(rows[3:4], decision="sign", date="yesterday")
    result = packet.import_rows(copy, to_csv(rows))
    assert len(result["rejected"]) == 4 and not result["signed"]
    with pytest.raises(ReviewError):
        packet.import_rows(copy, "a,b\n1,2\n")


def test_the_packet_cli_writes_html_csv_and_a_pdf_when_chromium_is_there(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "bank.packet", "write", "--out", str(tmp_path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "packet.html").exists() and (tmp_path / "packet.csv").exists()
    assert "min at 200 wpm" in done.stdout
    if Path("/usr/bin/chromium").exists():
        assert (tmp_path / "packet.pdf").read_bytes()[:4] == b"%PDF"


def test_training_refuses_an_answer_edited_after_review_naming_it_and_the_fix(copy):
    assert run(copy, "-m", "bank.release", "--training").returncode == 0
    edit_one_word(copy)
    refused = run(copy, "-m", "bank.release", "--training")
    assert refused.returncode == 1
    assert f"{KEY}: the review does not match the text" in refused.stdout
    assert f"make review KEY={KEY}" in refused.stdout


def test_the_makefile_checks_reviews_before_it_trains():
    makefile = Path("Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("$(MODEL): ", 1)[1].split("\n\n", 1)[0]
    assert recipe.index("bank.release --training") < recipe.index("rasa train")


def test_serving_problems_list_void_reviews_and_with_the_gate_every_unsigned_answer(copy):
    responses = load_bank(copy / "data").responses
    assert release.serving_problems(responses, require_signoff=False) == []
    gated = release.serving_problems(responses, require_signoff=True)
    assert len(gated) == 1 and "guard_crisis_suicide" in gated[0] and "contacts_crisis (variant" in gated[0]
    for variants in responses.values():
        for v in variants:
            v["metadata"]["review"]["clinical_review"] = f"signed: {SIGNER} 2026-12-01 {fingerprint(v)}"
    assert release.serving_problems(responses, require_signoff=True) == []
    responses[f"utter_{KEY}"][0]["text"] += " One more word."
    problems = release.serving_problems(responses, require_signoff=True)
    assert any(KEY in p and "void review" in p for p in problems) and any(KEY in p and "REQUIRE" in p for p in problems)


def test_release_check_lists_the_models_unsigned_answers(tmp_path):
    from tests.conftest import ensure_model

    done = subprocess.run(
        [sys.executable, "-m", "bank.release", "--model", str(ensure_model()), "--require-signoff"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "not clinically signed: guard_crisis_suicide" in done.stdout
    assert "not clinically signed: contacts_crisis (variant" in done.stdout
    assert re.search(r"0 of \d+ answers signed by a clinician", done.stdout)
    assert json.dumps(parse_signature("pending")) == "null"
