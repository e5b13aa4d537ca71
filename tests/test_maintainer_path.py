"""The maintainers' path to add an answer, followed on a scratch copy exactly as docs/adding-an-intent.md
says: scaffold, validation fails naming the key, fill (from the document's own example blocks), review,
validation passes; editing the text afterwards voids the review. No trained model needed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, FoldedScalarString, LiteralScalarString

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "adding-an-intent.md"
COPIED = [
    "data",
    "domain.yml",
    "config.yml",
    "bank",
    "scripts",
    "guardrails",
    "tests/heldout",
    "tests/test_stories.yml",
    "docs/evidence.md",  # review records name it; validation checks it is in the clone
]


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the copy's own modules, not the repo's
    return subprocess.run([sys.executable, *args], cwd=root, capture_output=True, text=True, env=env, timeout=120)


def scratch_copy(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for rel in COPIED:
        src, dst = ROOT / rel, root / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, dst)
    return root


def guide_blocks() -> dict:
    """The example blocks of docs/adding-an-intent.md, marked <!-- walkthrough: NAME -->."""
    text = GUIDE.read_text(encoding="utf-8")
    blocks = re.findall(r"<!-- walkthrough: (\w+) -->\s*```yaml\n(.*?)```", text, re.DOTALL)
    return {name: body for name, body in blocks}


def guide_key() -> str:
    found = re.search(r"make new-intent KEY=(faq_\w+)", GUIDE.read_text(encoding="utf-8"))
    assert found, "docs/adding-an-intent.md no longer shows `make new-intent KEY=...`"
    return found.group(1)


def rt_yaml() -> YAML:
    yaml_rt = YAML()
    yaml_rt.width = 100
    yaml_rt.preserve_quotes = True
    return yaml_rt


def edit(path: Path, change) -> None:
    yaml_rt = rt_yaml()
    doc = yaml_rt.load(path.read_text(encoding="utf-8"))
    change(doc)
    with path.open("w", encoding="utf-8") as handle:
        yaml_rt.dump(doc, handle)


def find_file(root: Path, folder: str, key: str) -> Path:
    hits = [p for p in sorted((root / folder).glob("*.yml")) if re.search(rf"intent: {key}\b", p.read_text())]
    assert len(hits) == 1, f"{key} in {folder}: {hits}"
    return hits[0]


def topic_home(root: Path, prefix: str) -> Path:
    """The bank file holding the most answers of a topic: where the guide says a new one goes."""
    counts = {
        p: len(re.findall(rf"^  utter_{prefix}\w+:", p.read_text(), re.M))
        for p in sorted((root / "data" / "answer_bank").glob("*.yml"))
    }
    return max(counts, key=lambda p: counts[p])


def fill_as_the_guide_says(root: Path, key: str, doc_key: str) -> None:
    blocks = {name: yaml.safe_load(body.replace(doc_key, key)) for name, body in guide_blocks().items()}
    assert set(blocks) >= {"examples", "response", "heldout", "story"}, sorted(blocks)
    examples = "".join(f"- {e}\n" for e in blocks["examples"][0]["examples"].splitlines() if e.strip())
    examples = examples.replace("- - ", "- ")
    variant = blocks["response"][f"utter_{key}"][0]

    def fill_bank(doc):
        for item in doc["nlu"]:
            if item.get("intent") == key:
                item["examples"] = LiteralScalarString(examples)
        target = doc["responses"][f"utter_{key}"][0]
        target["text"] = FoldedScalarString(variant["text"])
        target["metadata"]["sources"] = [
            {k: DoubleQuotedScalarString(v) for k, v in source.items()} for source in variant["metadata"]["sources"]
        ]

    def fill_heldout(doc):
        phrasings = blocks["heldout"][0]["examples"]
        for item in doc["nlu"]:
            if item.get("intent") == key:
                item["examples"] = LiteralScalarString(phrasings)

    def fill_story(doc):
        for story in doc["stories"]:
            if any(step.get("intent") == key for step in story["steps"]):
                story["steps"][0]["user"] = LiteralScalarString(blocks["story"][0]["user"])

    edit(find_file(root, "data/answer_bank", key), fill_bank)
    edit(find_file(root, "tests/heldout", key), fill_heldout)
    edit(root / "tests" / "test_stories.yml", fill_story)


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory):
    """One scratch copy taken through the guide; each step's validation output, for the tests below."""
    root = scratch_copy(tmp_path_factory.mktemp("walkthrough"))
    before = run(root, "scripts/validate_bank.py")
    doc_key = guide_key()
    key = doc_key
    if re.search(rf"\b{key}\b", (ROOT / "domain.yml").read_text()):  # the example became a real answer
        key = f"{doc_key}_walkthrough"
    bank_before = topic_home(root, "faq_" + key.split("_")[1] + "_")
    comments = [line for line in bank_before.read_text().splitlines() if line.lstrip().startswith("#")]
    steps = {"before": before, "key": key, "root": root, "bank_file": bank_before, "comments": comments}
    steps["scaffold"] = run(root, "scripts/new_intent.py", key)
    steps["texts"] = {
        part: find_file(root, folder, key).read_text()
        for part, folder in (("bank", "data/answer_bank"), ("heldout", "tests/heldout"))
    }
    steps["texts"]["stories"] = (root / "tests" / "test_stories.yml").read_text()
    steps["texts"]["domain"] = (root / "domain.yml").read_text()
    steps["scaffolded"] = run(root, "scripts/validate_bank.py")
    fill_as_the_guide_says(root, key, doc_key)
    steps["filled"] = run(root, "scripts/validate_bank.py")
    by, against = "Walkthrough Test", "the cited APA page and VA/DoD guideline"
    steps["review"] = run(root, "scripts/review_answers.py", "--key", key, "--by", by, "--against", against)
    steps["reviewed"] = run(root, "scripts/validate_bank.py")
    steps["domain"] = run(root, "scripts/sync_domain.py", "--check")
    bank_file = find_file(root, "data/answer_bank", key)
    edit(bank_file, lambda doc: doc["responses"][f"utter_{key}"][0].__setitem__("text", "An edited answer text."))
    steps["edited"] = run(root, "scripts/validate_bank.py")
    return steps


def test_the_repository_itself_passes_validation(walkthrough):
    before = walkthrough["before"]
    assert before.returncode == 0, "the repository fails scripts/validate_bank.py:\n" + before.stdout + before.stderr


def test_scaffold_writes_every_part_and_keeps_comments(walkthrough):
    root, key = walkthrough["root"], walkthrough["key"]
    assert walkthrough["scaffold"].returncode == 0, walkthrough["scaffold"].stderr
    texts = walkthrough["texts"]
    assert find_file(root, "data/answer_bank", key) == walkthrough["bank_file"], "beside its topic's answers"
    for line in walkthrough["comments"]:
        assert line in texts["bank"], f"comment lost by the scaffold: {line}"
    assert f"rule: {key}" in texts["bank"] and f"utter_{key}:" in texts["bank"] and "https://TODO" in texts["bank"]
    assert "TODO: write the answer" in texts["bank"] and "TODO training example" in texts["bank"]
    assert f"intent: {key}" in texts["heldout"] and "TODO held-out phrasing" in texts["heldout"]
    assert f"intent: {key}" in texts["stories"] and "TODO a visitor's question" in texts["stories"]
    assert f"- {key}\n" in texts["domain"]


def test_scaffolded_answer_fails_validation_naming_each_part(walkthrough):
    result, key = walkthrough["scaffolded"], walkthrough["key"]
    assert result.returncode == 1
    out = result.stdout
    for part in ("data/answer_bank/", "tests/heldout/", "tests/test_stories.yml"):
        assert any(part in line and key in line and "Fix:" in line for line in out.splitlines()), part
    assert f"make review KEY={key}" in out
    assert f"{key} has 3 examples" in out


def new_problems(walkthrough, step: str) -> list:
    """Problem lines at this step that the untouched copy did not have (test 1 reports those)."""
    known = set(walkthrough["before"].stdout.splitlines())
    out = walkthrough[step].stdout.splitlines()
    return [line for line in out if line and not line.startswith("validate_bank:") and line not in known]


def test_filled_answer_fails_only_for_the_missing_review(walkthrough):
    result, key = walkthrough["filled"], walkthrough["key"]
    assert result.returncode == 1
    problems = new_problems(walkthrough, "filled")
    assert problems and all(f"utter_{key}" in line and "review" in line for line in problems), "\n".join(problems)


def test_reviewed_answer_passes_validation(walkthrough):
    assert walkthrough["review"].returncode == 0, walkthrough["review"].stderr
    assert not new_problems(walkthrough, "reviewed"), walkthrough["reviewed"].stdout
    assert walkthrough["reviewed"].returncode == walkthrough["before"].returncode  # 0 once the repo passes
    assert walkthrough["domain"].returncode == 0, walkthrough["domain"].stdout


def test_editing_the_text_after_review_voids_it(walkthrough):
    result, key = walkthrough["edited"], walkthrough["key"]
    assert result.returncode == 1
    assert f"utter_{key}[0]: the review does not match the text" in result.stdout


def test_scaffold_refuses_bad_and_existing_keys(tmp_path):
    root = scratch_copy(tmp_path)
    for bad in ("ptsd_sleep", "faq_ptsd", "faq_PTSD_sleep", "utter_faq_ptsd_sleep", "faq_ptsd-sleep"):
        assert run(root, "scripts/new_intent.py", bad).returncode != 0, bad
    refused = run(root, "scripts/new_intent.py", "faq_ptsd_what")
    assert refused.returncode == 1 and "already exists" in refused.stderr


def test_scaffold_starts_a_new_topic_file(tmp_path):
    root = scratch_copy(tmp_path)
    assert run(root, "scripts/new_intent.py", "faq_zzprobe_topic").returncode == 0
    bank_file, heldout = root / "data/answer_bank/zzprobe.yml", root / "tests/heldout/zzprobe.yml"
    assert yaml.safe_load(bank_file.read_text())["version"] == "3.1"
    assert yaml.safe_load(heldout.read_text())["nlu"][0]["intent"] == "faq_zzprobe_topic"
    out = run(root, "scripts/validate_bank.py").stdout
    assert "data/answer_bank/zzprobe.yml" in out and "tests/heldout/zzprobe.yml" in out


def test_every_make_target_in_the_guide_exists():
    targets = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.M))
    used = set(re.findall(r"(?:^|`)make ([a-z][\w-]*)", GUIDE.read_text(), re.M))
    assert used and not used - targets, f"docs/adding-an-intent.md uses missing make targets: {used - targets}"


def test_answer_catalog_is_current():
    result = run(ROOT, "scripts/build_catalog.py", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_evaluation_set_lost_a_case():
    result = run(ROOT, "scripts/guard_baseline.py", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_baseline_check_names_a_set_that_lost_a_case(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "scripts", root / "scripts", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "tests" / "guardrails", root / "tests" / "guardrails", ignore=shutil.ignore_patterns("*.py"))
    shutil.copy2(ROOT / "tests" / "quality_baseline.json", root / "tests" / "quality_baseline.json")
    shutil.copy2(ROOT / "tests" / "test_conversations.py", root / "tests" / "test_conversations.py")
    cases = root / "tests" / "guardrails" / "crisis_cases.yml"
    doc = yaml.safe_load(cases.read_text())
    doc["negatives"] = doc["negatives"][1:]
    cases.write_text(yaml.safe_dump(doc, allow_unicode=True))
    result = run(root, "scripts/guard_baseline.py", "--check")
    assert result.returncode == 1 and "crisis.negatives" in result.stdout
    baseline = json.loads((ROOT / "tests" / "quality_baseline.json").read_text())
    assert 0 < baseline["held_out_accuracy"] <= 1
