"""The hotline directory (hotlines.yml): regions, services and which services each reply route shows."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Tuple

import yaml

DIRECTORY = Path(__file__).resolve().parent / "hotlines.yml"


@lru_cache(maxsize=1)
def load_directory() -> Dict[str, Any]:
    return yaml.safe_load(DIRECTORY.read_text(encoding="utf-8"))


def regions() -> Dict[str, Dict[str, Any]]:
    return load_directory()["regions"]


def default_region() -> str:
    return load_directory()["default_region"]


def route_for(route: str, region: str) -> Tuple[str, List[Dict[str, Any]]]:
    """The intro line and services a reply shows for one region.

    A region the route does not list falls back to that region's whole crisis route, so no visitor
    ever gets an empty contacts block.
    """
    directory = load_directory()
    spec = directory["routes"][route]
    if region not in spec:
        spec = directory["routes"]["crisis"]
    services = [dict(directory["services"][sid], id=sid) for sid in spec[region]]
    return spec["intro"], services
