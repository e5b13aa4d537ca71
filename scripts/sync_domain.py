"""Write domain.yml's intents list from the training data, so the list has one source: data/.

Usage: python scripts/sync_domain.py [--check]   (--check exits 1 when domain.yml is out of date)
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bank.loader import load_bank  # noqa: E402

DOMAIN = ROOT / "domain.yml"
BLOCK = re.compile(r"(# BEGIN intents[^\n]*\n)(.*?)(# END intents)", re.DOTALL)


def rendered() -> str:
    intents = sorted(load_bank().examples)
    body = "intents:\n" + "".join(f"- {name}\n" for name in intents)
    current = DOMAIN.read_text(encoding="utf-8")
    if not BLOCK.search(current):
        raise SystemExit("domain.yml has no '# BEGIN intents' ... '# END intents' block.")
    return BLOCK.sub(lambda m: m.group(1) + body + m.group(3), current)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    text = rendered()
    if args.check:
        if DOMAIN.read_text(encoding="utf-8") != text:
            print("domain.yml's intents differ from the training data: run `make sync-domain`.")
            return 1
        print("domain.yml's intents match the training data.")
        return 0
    DOMAIN.write_text(text, encoding="utf-8")
    print("wrote domain.yml intents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
