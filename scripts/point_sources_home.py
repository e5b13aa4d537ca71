"""One-off data change: every citation and review record points at something inside the clone or served by the
assistant itself.

- Sources citing https://github.com/ptsd-assistant/ptsd-assistant (no such public repository is known) cite the
  assistant's own pages instead: /about (what it is, where answers come from), /privacy (the privacy answer),
  /about#help-lines (the hotline directory, rendered).
- Review records "checked against ... CONTENT_BRIEF.md" (a file that is not in the repository) say
  "docs/evidence.md", where the same evidence is written up with its citations; records that say only "the
  sources cited in this answer" add "as summarised in docs/evidence.md".

Neither sources nor `checked_against` is part of an answer's fingerprint, so every review stays valid.
Files are edited round-trip (comments and layout kept). Idempotent.

Usage: python scripts/point_sources_home.py [--check]     (--check: exit 1 when something is left to change)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict, List

from ruamel.yaml.scalarstring import DoubleQuotedScalarString

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bank.review import bank_files, edit_yaml  # noqa: E402

OLD_HOME = "https://github.com/ptsd-assistant/ptsd-assistant"
OLD_BRIEF = "CONTENT_BRIEF.md"
NEW_BRIEF = "docs/evidence.md"
PLAIN = "the sources cited in this answer"
PAGES = {  # what each old citation becomes: the page of the assistant that says it
    "utter_faq_about_privacy": ("/privacy", "What this assistant keeps"),
    "hotlines.yml": ("/about#help-lines", "Help lines this assistant shows (from its hotline directory)"),
    "default": ("/about", "About this assistant"),
}


def repoint(name: str, source: Dict[str, Any]) -> str | None:
    """Point one source at the assistant's own page, in place (its other fields keep their layout)."""
    url = str(source.get("url", ""))
    if not url.startswith(OLD_HOME):
        return None
    key = name if name in PAGES else ("hotlines.yml" if url.endswith("hotlines.yml") else "default")
    page, title = PAGES[key]
    source["title"], source["url"] = DoubleQuotedScalarString(title), DoubleQuotedScalarString(page)
    return page


def changes(doc: Any) -> List[str]:
    """Apply the changes to one loaded file; returns one line per change."""
    done = []
    for name, variants in ((doc or {}).get("responses") or {}).items():
        for variant in variants or []:
            metadata = variant.get("metadata") or {}
            for source in metadata.get("sources") or []:
                old = source.get("url")
                page = repoint(name, source)
                if page is not None:
                    done.append(f"{name}: source {old} -> {page}")
            review = metadata.get("review") or {}
            against = str(review.get("checked_against", ""))
            if OLD_BRIEF in against or against == PLAIN:
                new = (
                    against.replace(OLD_BRIEF, NEW_BRIEF)
                    if OLD_BRIEF in against
                    else f"{PLAIN}, as summarised in {NEW_BRIEF}"
                )
                review["checked_against"] = new
                done.append(f"{name}: checked_against now names {NEW_BRIEF}")
    return done


def run(root: Path, check: bool) -> List[str]:
    found: List[str] = []
    for path in bank_files(root):
        text = path.read_text(encoding="utf-8")
        if OLD_HOME not in text and OLD_BRIEF not in text and f"checked_against: {PLAIN}\n" not in text:
            continue
        rel = path.relative_to(root)

        def change(doc, rel=rel):
            lines = changes(doc)
            found.extend(f"{rel}: {line}" for line in lines)
            return None if check or not lines else True

        edit_yaml(path, change)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if anything is left")
    args = parser.parse_args()
    found = run(ROOT, args.check)
    for line in found:
        print(("to change: " if args.check else "changed: ") + line)
    print(f"{len(found)} change(s) {'left' if args.check else 'made'}.")
    if not args.check and found:
        print("Next: make catalog, make validate, then commit data/ and docs/answer-catalog.md.")
    return 1 if args.check and found else 0


if __name__ == "__main__":
    sys.exit(main())
