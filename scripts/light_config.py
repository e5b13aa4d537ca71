"""The light pipeline: config.yml without the sentence encoder, for `make train PIPELINE=light`.

Generated from config.yml, so the two never drift apart: everything else, every threshold included, is
the same. Without the encoder a message costs about 3 ms less and each server process 73 MB less, and the
intent classifier reads count features only: 5 points less right content on the blind conversations
(evaluation/README.md has both sets of figures, bench/README.md the costs).

    python scripts/light_config.py [--out var/config-light.yml]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENCODER = "understanding.encoder_featurizer.SentenceEncoderFeaturizer"


def light(config_text: str) -> str:
    """config.yml's text with the encoder's pipeline entry (its `- name:` line and its settings) removed."""
    out, skipping = [], False
    for line in config_text.splitlines(keepends=True):
        if line.startswith("- name:"):
            skipping = ENCODER in line
        elif skipping and not line.startswith("  "):
            skipping = False
        if not skipping:
            out.append(line)
    if len(out) == len(config_text.splitlines()):
        raise SystemExit(f"config.yml has no {ENCODER} entry to leave out")
    return "".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    text = light((ROOT / "config.yml").read_text(encoding="utf-8"))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
