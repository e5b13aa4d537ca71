"""Deployment settings read from environment variables: the one place that names them, their defaults and meaning.

`Settings.from_env()` reads and checks them; a bad value stops the server at start with a clear message
rather than running with a setting the operator did not mean. docs/privacy.md carries the table that
`python -m server.settings` prints (a test fails when the two differ; `--write` updates the doc).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Mapping, Tuple

from channels.rest import MAX_BODY_BYTES as CHANNEL_MAX_BODY_BYTES

ROOT = Path(__file__).resolve().parent.parent
PRIVACY_DOC = ROOT / "docs" / "privacy.md"
TABLE_START, TABLE_END = "<!-- settings-table:start -->", "<!-- settings-table:end -->"
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")


class SettingError(ValueError):
    pass


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    meaning: str
    parse: Callable[[str], object]


def _int(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise SettingError(f"must be a whole number, got {value!r}") from None
        if not low <= number <= high:
            raise SettingError(f"must be between {low} and {high}, got {number}")
        return number

    return parse


def _flag(value: str) -> bool:
    if value not in ("0", "1"):
        raise SettingError(f"must be 0 or 1, got {value!r}")
    return value == "1"


def _origins(value: str) -> Tuple[str, ...]:
    origins = tuple(o.rstrip("/") for o in re.split(r"[\s,]+", value.strip()) if o)
    for origin in origins:
        if not _ORIGIN.match(origin):  # no "*", no paths: each site is named exactly
            raise SettingError(f"each origin must look like https://clinic.example[:port], got {origin!r}")
    return origins


SETTINGS: Tuple[Setting, ...] = (
    Setting(
        "ALLOWED_ORIGINS",
        "",
        "Space- or comma-separated origins (`https://clinic.example`) whose own scripts may call the chat "
        "endpoint (CORS). Empty: none. The web chat does not need any: its page is served by the assistant "
        "and `embed.js` frames it.",
        _origins,
    ),
    Setting(
        "RATE_LIMIT_PER_MINUTE",
        "30",
        "Messages a minute one visitor (sender id) may send; over it the answer is 429 with Retry-After. "
        "0 turns the whole rate limit off (benchmarks, whose load comes from one address).",
        _int(0, 100_000),
    ),
    Setting(
        "RATE_LIMIT_BURST",
        "10",
        "Messages a visitor may send at once before the per-minute rate applies.",
        _int(1, 100_000),
    ),
    Setting(
        "RATE_LIMIT_PER_IP_PER_MINUTE",
        "120",
        "Messages a minute from one client address, whatever the sender ids (several visitors may share one "
        "address). 0 turns this key off.",
        _int(0, 1_000_000),
    ),
    Setting("RATE_LIMIT_IP_BURST", "30", "Messages one address may send at once.", _int(1, 1_000_000)),
    Setting(
        "TRUSTED_PROXIES",
        "0",
        "How many reverse proxies stand in front of the server. 0: the client address is the connection's "
        "and X-Forwarded-For is ignored (a visitor could forge it). N: the Nth address from the right of "
        "X-Forwarded-For.",
        _int(0, 10),
    ),
    Setting(
        "MAX_BODY_BYTES",
        str(CHANNEL_MAX_BODY_BYTES),
        "Largest request body, in bytes; a larger one gets 413 before it is read. The chat endpoint refuses "
        f"more than {CHANNEL_MAX_BODY_BYTES} bytes whatever this says.",
        _int(1024, 10_000_000),
    ),
    Setting(
        "RETENTION_DAYS",
        "30",
        "Conversations whose newest event is older than this many days are deleted from the tracker store.",
        _int(1, 3650),
    ),
    Setting(
        "RETENTION_INTERVAL_HOURS",
        "24",
        "The server deletes old conversations at start and then every this many hours. 0: the server does not; "
        "run `make purge-old` from cron instead.",
        _int(0, 24 * 365),
    ),
    Setting(
        "REQUIRE_CLINICAL_SIGNOFF",
        "0",
        "1: the server refuses to start while any answer it can send (crisis openers and help-line contacts "
        "included) lacks a clinician's signature bound to its words, and lists them. Turn it on for a real "
        "site once every answer is signed; `make release-check` prints the same list.",
        _flag,
    ),
)

# Deployment variables read by their own modules (their defaults live there).
READ_ELSEWHERE: Dict[str, Tuple[str, str]] = {
    "PORT": ("server/app.py", "Port to listen on."),
    "HOST": ("server/app.py", "Interface to listen on."),
    "WEBCHAT_FRAME_ANCESTORS": ("webchat/routes.py", "Sites allowed to frame the chat page (CSP frame-ancestors)."),
    "STAFF_CHECKOUT": (
        "staff/review_routes.py",
        "The checkout the staff console reads the bank from and writes signatures, test stories and training "
        "examples into (default: the server's own folder).",
    ),
}


@dataclass(frozen=True)
class Settings:
    allowed_origins: Tuple[str, ...]
    rate_limit_per_minute: int
    rate_limit_burst: int
    rate_limit_per_ip_per_minute: int
    rate_limit_ip_burst: int
    trusted_proxies: int
    max_body_bytes: int
    retention_days: int
    retention_interval_hours: int
    require_clinical_signoff: bool

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        values = {}
        for setting in SETTINGS:
            raw = environ.get(setting.name, "").strip() or setting.default
            try:
                values[setting.name.lower()] = setting.parse(raw)
            except SettingError as error:
                raise SettingError(f"{setting.name}: {error}") from None
        return cls(**values)


def markdown_table() -> str:
    rows = ["| Variable | Default | Meaning |", "| --- | --- | --- |"]
    rows += [f"| `{s.name}` | {f'`{s.default}`' if s.default else '(empty)'} | {s.meaning} |" for s in SETTINGS]
    rows += ["", "Read by their own module:", "", "| Variable | Where | Meaning |", "| --- | --- | --- |"]
    rows += [f"| `{name}` | `{where}` | {meaning} |" for name, (where, meaning) in READ_ELSEWHERE.items()]
    return "\n".join(rows)


def doc_with_table(doc: str) -> str:
    start, end = doc.index(TABLE_START) + len(TABLE_START), doc.index(TABLE_END)
    return doc[:start] + "\n" + markdown_table() + "\n" + doc[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Print the deployment settings table, or check/update docs/privacy.md."
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="fail if docs/privacy.md's table is out of date")
    group.add_argument("--write", action="store_true", help="rewrite the table in docs/privacy.md")
    args = parser.parse_args(argv)
    if not (args.check or args.write):
        print(markdown_table())
        return 0
    doc = PRIVACY_DOC.read_text(encoding="utf-8")
    wanted = doc_with_table(doc)
    if args.write:
        PRIVACY_DOC.write_text(wanted, encoding="utf-8")
        return 0
    if wanted != doc:
        print("docs/privacy.md's settings table is out of date: run `python -m server.settings --write`.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
