"""One way to write a generated file, or (--check, as CI runs it) to fail when the committed copy drifted."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent


def main(output: Path, render: Callable[[], str], fix: str, description: str | None = None) -> int:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true", help="exit 1 when the committed file is out of date")
    args = parser.parse_args()
    text = render()
    shown = output.relative_to(ROOT)
    if args.check:
        if not output.exists() or output.read_text(encoding="utf-8") != text:
            print(f"{shown} is out of date: run `{fix}`.")
            return 1
        print(f"{shown} is up to date.")
        return 0
    output.write_text(text, encoding="utf-8")
    print(f"wrote {shown}")
    return 0
