"""The reference: a plain `rasa init` bot (DIET + TED, REST channel, in-memory tracker store as
shipped), created and trained in this virtual environment and cached under results/bench/."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Tuple

import rasa

from server.local import ROOT, quiet_env

RASA = str(Path(sys.executable).with_name("rasa"))
CACHE = ROOT / "results" / "bench" / f"plain-rasa-{rasa.__version__}"


def ensure_plain_bot() -> Tuple[Path, float | None]:
    """(project folder, training seconds or None when the cached model was reused)."""
    models = sorted((CACHE / "models").glob("*.tar.gz")) if CACHE.exists() else []
    if models:
        return CACHE, None
    CACHE.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    # --no-prompt creates the starter project and trains its model with Rasa's default config
    subprocess.run(
        [RASA, "init", "--no-prompt", "--init-dir", str(CACHE)],
        cwd=CACHE,
        env=quiet_env(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return CACHE, time.perf_counter() - began


def plain_model(project: Path) -> Path:
    return sorted((project / "models").glob("*.tar.gz"))[-1]
