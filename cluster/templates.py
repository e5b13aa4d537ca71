"""Render the deploy/ templates: the cluster endpoints file and the nginx configuration.

Placeholders are `${NAME}`, the syntax both Rasa (endpoints) and the nginx image's envsubst (nginx)
understand, so one template serves `make run-cluster` and docker-compose. nginx's own `$variables`
have no braces and are left alone.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Dict, Union

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
ENDPOINTS_TEMPLATE = DEPLOY / "endpoints.cluster.yml.template"
SITE_TEMPLATE = DEPLOY / "nginx" / "assistant.conf.template"
LOOPBACK_TEMPLATE = DEPLOY / "nginx" / "loopback.conf.template"
SINGLE_MACHINE_ENDPOINTS = ROOT / "endpoints.yml"

_PLACEHOLDER = re.compile(r"\$\{([A-Z_]+)\}")
Value = Union[str, int]


def placeholders(text: str) -> set:
    return set(_PLACEHOLDER.findall(text))


def substitute(text: str, values: Dict[str, Value], *, partial: bool = False, quote: bool = False) -> str:
    """Replace `${NAME}`; every placeholder needs a value unless `partial` (the rest stay for later)."""
    missing = placeholders(text) - set(values)
    if missing and not partial:
        raise KeyError(f"no value for {sorted(missing)}")

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        got = values[name]
        return json.dumps(got) if quote and isinstance(got, str) else str(got)

    return _PLACEHOLDER.sub(value, text)


def tracker_store_type(endpoints: Path = SINGLE_MACHINE_ENDPOINTS) -> str:
    """The tracker store class the single-machine setup uses: the cluster uses the same one."""
    return yaml.safe_load(endpoints.read_text(encoding="utf-8"))["tracker_store"]["type"]


def render_endpoints(values: Dict[str, Value] | None = None) -> str:
    """The cluster's endpoints.yml; without `values`, connection settings stay `${...}` for Rasa to read."""
    every = {"TRACKER_STORE_TYPE": tracker_store_type(), **(values or {})}
    return substitute(ENDPOINTS_TEMPLATE.read_text(encoding="utf-8"), every, partial=values is None, quote=True)


def render_site(upstreams: list, listen: str) -> str:
    servers = " ".join(f"server {address};" for address in upstreams)
    return substitute(SITE_TEMPLATE.read_text(encoding="utf-8"), {"UPSTREAM_SERVERS": servers, "LISTEN": listen})


def render_loopback_nginx(state_dir: Path) -> str:
    return substitute(LOOPBACK_TEMPLATE.read_text(encoding="utf-8"), {"STATE_DIR": str(state_dir)})


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the cluster endpoints file with ${...} left for Rasa.")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.write_text(render_endpoints(), encoding="utf-8")


if __name__ == "__main__":
    main()
