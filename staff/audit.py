"""The append-only audit log of every staff action that changes state: who, when, what, and the text fingerprint.

Each row carries the hash of the row before it (a chain), so a row changed or removed behind the database's
back (the triggers in staff/db.py refuse it to everyone else) shows up in `verify`. Details never hold a
visitor's words: only ids, keys, tags and fingerprints.

    python -m staff.audit [--endpoints endpoints.yml] [--last 50]     print the newest entries
    python -m staff.audit verify                                      check the chain; exit 1 if broken
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
import time
from typing import Any, Dict, List

import sqlalchemy as sa

from staff import db

GENESIS = "0" * 64
_RETRIES = 20


def _row_hash(prev_hash: str, row: Dict[str, Any]) -> str:
    fields = {k: row[k] for k in ("at", "actor", "action", "target", "fingerprint", "detail")}
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def record(
    engine: sa.engine.Engine,
    actor: str,
    action: str,
    target: str = "",
    fingerprint: str = "",
    detail: Dict[str, Any] | None = None,
) -> Dict[str, Any]:
    """Append one entry; the head row is moved with a compare-and-set so concurrent writers never fork the chain."""
    for _ in range(_RETRIES):
        with engine.begin() as connection:
            head = connection.execute(sa.select(db.audit_head.c.row_hash).where(db.audit_head.c.id == 1)).scalar_one()
            row = {
                "at": round(time.time(), 6),
                "actor": actor[:80],
                "action": action[:40],
                "target": target[:200],
                "fingerprint": fingerprint or "",
                "detail": json.dumps(detail or {}, sort_keys=True, ensure_ascii=False),
            }
            row["prev_hash"], row["row_hash"] = head, _row_hash(head, row)
            moved = connection.execute(
                db.audit_head.update()
                .where(db.audit_head.c.id == 1, db.audit_head.c.row_hash == head)
                .values(row_hash=row["row_hash"])
            )
            if moved.rowcount == 1:
                connection.execute(db.audit.insert().values(**row))
                return row
    raise RuntimeError("the audit log is too busy to append to; try again")


def entries(engine: sa.engine.Engine, last: int = 100, target_prefix: str = "") -> List[Dict[str, Any]]:
    query = sa.select(db.audit).order_by(db.audit.c.id.desc()).limit(max(1, min(last, 1000)))
    if target_prefix:
        query = query.where(db.audit.c.target.like(target_prefix.replace("%", "") + "%"))
    with engine.connect() as connection:
        rows = [dict(r._mapping) for r in connection.execute(query)]
    for row in rows:
        row["detail"] = json.loads(row["detail"] or "{}")
    return rows


def verify(engine: sa.engine.Engine) -> List[str]:
    """Problems with the chain (empty: every row is as written, none missing, the head is the newest)."""
    problems, prev = [], GENESIS
    with engine.connect() as connection:
        rows = connection.execute(sa.select(db.audit).order_by(db.audit.c.id)).all()
        head = connection.execute(sa.select(db.audit_head.c.row_hash)).scalar_one()
    for row in rows:
        row = dict(row._mapping)
        if row["prev_hash"] != prev:
            problems.append(f"entry {row['id']}: the entry before it was changed or removed")
        if _row_hash(row["prev_hash"], row) != row["row_hash"]:
            problems.append(f"entry {row['id']}: changed after it was written")
        prev = row["row_hash"]
    if head != prev:
        problems.append("the newest entries were removed")
    return problems


def _when(at: float) -> str:
    return dt.datetime.fromtimestamp(at, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="?", choices=("show", "verify"), default="show")
    parser.add_argument("--endpoints", default="endpoints.yml")
    parser.add_argument("--last", type=int, default=50)
    args = parser.parse_args(argv)
    engine = db.engine_for(args.endpoints)
    try:
        if args.command == "verify":
            problems = verify(engine)
            for line in problems:
                print(line)
            print("audit log: intact" if not problems else f"audit log: {len(problems)} problem(s)")
            return 1 if problems else 0
        for row in reversed(entries(engine, args.last)):
            fp = f" text {row['fingerprint'][:12]}" if row["fingerprint"] else ""
            print(
                f"{_when(row['at'])}  {row['actor']}  {row['action']}  {row['target']}{fp}  {json.dumps(row['detail'])}"
            )
        return 0
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
