"""The review packet: the clinical review queue on paper, for reviewers who will not use a web page.

python -m bank.packet write [--out results/review]     (make review-packet)
    packet.html  one printable page: every unsigned answer, its words, sources, the questions that lead to
                 it, what changed since it was last signed, and a sign-off box;
    packet.pdf   the same, when Debian's chromium can print it (offline, headless);
    packet.csv   one row per answer to fill in and return: decision (sign / changes), name, credential,
                 date, comment. The fingerprint column binds each row to the words printed.
python -m bank.packet import FILE [--endpoints endpoints.yml]   (make review-import FILE=...)
    records each "sign" row through bank/review.py, the same code as the review queue, only if the
    answer's words are still the printed ones; rows for changed words are rejected and listed. Each
    signature and each request for changes is written to the staff audit log.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import getpass
import html
import io
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Tuple

from bank import queue
from bank.loader import ROOT
from bank.review import ReviewError, record_signature, signer_line

COLUMNS = ["key", "variant", "label", "fingerprint", "decision", "name", "credential", "date", "comment"]
WORDS_PER_MINUTE = 200
SHOWN_EXAMPLES, SHOWN_HELD_OUT = 6, 3  # enough to see what a question looks like, without doubling the packet
CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser")

_STYLE = """
body{font-family:Georgia,serif;font-size:12pt;line-height:1.45;color:#111;max-width:46rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.15rem;margin-top:0;border-bottom:1px solid #999}
section.answer{page-break-inside:avoid;break-inside:avoid;border:1px solid #999;padding:.8rem 1rem;margin:1.2rem 0}
.words{white-space:pre-wrap;border-left:4px solid #1d4f7a;padding-left:.7rem;margin:.6rem 0}
.meta{font-family:system-ui,sans-serif;font-size:.85rem;color:#333}
.flag{color:#8a1c1c;font-weight:bold}del{background:#fdd;text-decoration:line-through}ins{background:#dfd;text-decoration:none}
.box{border:2px solid #111;padding:.6rem;margin-top:.8rem;font-family:system-ui,sans-serif;font-size:.9rem}
.box p{margin:.5rem 0}.line{display:inline-block;border-bottom:1px solid #111;min-width:14rem}
details summary{cursor:pointer}ul.questions{columns:2;font-size:.9rem}
@media print{a{color:#111}details{display:block}details>summary{display:none}}
"""


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _source(s: Dict[str, Any]) -> str:
    url = str(s.get("url", ""))
    title = _esc(s.get("title", url))
    link = f'<a href="{_esc(url)}">{title}</a>' if url.startswith(("https://", "/")) else title
    year = str(s.get("year", "")).rstrip(".")  # "n.d." must not end in two full stops
    return f"<li>{link}. {_esc(s.get('publisher', ''))}, {_esc(year)}. <span class='meta'>{_esc(url)}</span></li>"


def _diff(item: Dict[str, Any]) -> str:
    if not item["last_signed"]:
        return "<p class='meta'>Never signed before.</p>"
    before = item["last_signed"]
    parts = []
    for seg in item["diff"]:
        text = _esc(seg["text"])
        parts.append(
            f"<del>{text}</del>" if seg["op"] == "delete" else f"<ins>{text}</ins>" if seg["op"] == "insert" else text
        )
    return (
        f"<p class='meta'>Changed since {_esc(before['signer'])} signed it on {_esc(before['date'])} "
        "(removed words struck through, new words highlighted):</p>"
        f"<p>{' '.join(parts)}</p>"
    )


def render_item(number: int, item: Dict[str, Any]) -> str:
    flags = "".join(f"<p class='flag'>{_esc(r)}</p>" for r in item["flagged"])
    stale = (
        f"<p class='flag'>Changing facts last checked {_esc(item['facts_checked_on'])}: stale.</p>"
        if item["stale"]
        else ""
    )
    buttons = "".join(f"<li>{_esc(b)}</li>" for b in item["buttons"])
    questions = "".join(f"<li>{_esc(q)}</li>" for q in item["examples"][:SHOWN_EXAMPLES])
    held_out = "".join(f"<li>{_esc(q)}</li>" for q in item["held_out"][:SHOWN_HELD_OUT])
    rules = ", ".join(_esc(r) for r in item["rules"]) or "no rule: sent together with other answers"
    return f"""
<section class="answer" id="{_esc(item["key"])}-{item["variant"]}">
<h2>{number}. {_esc(item["label"])}</h2>
<p class="meta">{_esc(item["file"])} &middot; {item["words"]} words &middot; fingerprint <code>{_esc(item["fingerprint"][:16])}</code></p>
{flags}{stale}
<div class="words">{_esc(item["text"])}</div>
{f"<p class='meta'>Buttons under it:</p><ul>{buttons}</ul>" if buttons else ""}
{_diff(item)}
<p class="meta">Sources:</p><ul>{"".join(_source(s) for s in item["sources"])}</ul>
<p class="meta">When it is sent: {rules}.</p>
{f"<details><summary>Questions that lead to it</summary><p class='meta'>Training examples ({item['examples_total']}), the first {SHOWN_EXAMPLES}:</p><ul class='questions'>{questions}</ul>" + (f"<p class='meta'>Phrasings kept for testing ({item['held_out_total']}):</p><ul class='questions'>{held_out}</ul>" if held_out else "") + "</details>" if questions else ""}
<div class="box">
<p>&#9744; I have read these words and their sources, and they may be shown to visitors.</p>
<p>&#9744; Changes needed: <span class="line">&nbsp;</span></p>
<p>Name and credential: <span class="line">&nbsp;</span> Date: <span class="line" style="min-width:7rem">&nbsp;</span></p>
<p class="meta">Row in the CSV: key {_esc(item["key"])}, variant {item["variant"] + 1}, fingerprint {_esc(item["fingerprint"][:16])}&hellip;</p>
</div>
</section>"""


def reading_minutes(words: int) -> float:
    return round(words / WORDS_PER_MINUTE, 1)


def render(items: List[Dict[str, Any]], totals: Dict[str, int], today: str) -> Tuple[str, Dict[str, int]]:
    answer_words = sum(i["words"] + sum(len(b.split()) for b in i["buttons"]) for i in items)
    body = "".join(render_item(n, item) for n, item in enumerate(items, start=1))
    page_words = len(re.sub(r"<[^>]+>", " ", html.unescape(body)).split())
    stats = {"answers": len(items), "answer_words": answer_words, "packet_words": page_words}
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Clinical review packet {today}</title><style>{_STYLE}</style></head>
<body><main>
<h1>Clinical review packet</h1>
<p>PTSD Treatment Assistant, printed {today}. {len(items)} answers need a clinician's signature
({totals["signed"]} of {totals["answers"]} are signed). The answers' words come to {answer_words} words, about
{reading_minutes(answer_words)} minutes at {WORDS_PER_MINUTE} words a minute; with sources and sample questions the packet is
{page_words} words, about {reading_minutes(page_words)} minutes, before checking the sources themselves.</p>
<p>For each answer: read the words exactly as a visitor sees them, check them against the sources listed, and
either sign or say what must change. Return the CSV file that came with this packet, one row per answer:
<strong>decision</strong> <code>sign</code> or <code>changes</code>, your <strong>name</strong> and
<strong>credential</strong> (for example "PhD, clinical psychologist"), the <strong>date</strong> (YYYY-MM-DD) and
for changes a <strong>comment</strong>. A signature only counts for the exact words printed here: if an answer
changes before your sign-off is recorded, it comes back to you.</p>
<p>Help lines (the "contacts" answers) are checked against each service's own page; the crisis answers come
first in any conversation where a visitor may be in danger.</p>
{body}
</main></body></html>
"""
    return page, stats


def to_csv(items: List[Dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for item in items:
        writer.writerow(
            {
                "key": item["key"],
                "variant": item["variant"] + 1,
                "label": item["label"],
                "fingerprint": item["fingerprint"],
            }
        )
    return out.getvalue()


def print_pdf(html_path: Path, pdf_path: Path) -> str | None:
    """Print with Debian's chromium, headless and offline; None when there is no chromium or it fails."""
    binary = next((b for b in CHROMIUM if Path(b).exists()), None) or shutil.which("chromium")
    if not binary:
        return None
    with tempfile.TemporaryDirectory(prefix="packet-chromium-") as profile:
        argv = [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        argv += ["--disable-background-networking", "--disable-component-update", "--no-first-run"]
        argv += [f"--user-data-dir={profile}", "--no-pdf-header-footer", f"--print-to-pdf={pdf_path}"]
        argv.append(html_path.resolve().as_uri())
        try:
            subprocess.run(argv, capture_output=True, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
    return str(pdf_path) if pdf_path.exists() and pdf_path.stat().st_size > 0 else None


def write(root: Path, out: Path, pdf: bool = True) -> Dict[str, Any]:
    items = queue.build(root)
    today = dt.date.today().isoformat()
    page, stats = render(items, queue.counts(root), today)
    out.mkdir(parents=True, exist_ok=True)
    html_path, csv_path, pdf_path = out / "packet.html", out / "packet.csv", out / "packet.pdf"
    html_path.write_text(page, encoding="utf-8")
    csv_path.write_text(to_csv(items), encoding="utf-8")
    pdf_path.unlink(missing_ok=True)
    stats["pdf"] = print_pdf(html_path, pdf_path) if pdf else None
    stats.update(html=str(html_path), csv=str(csv_path))
    return stats


def import_rows(root: Path, raw: str) -> Dict[str, List[Dict[str, Any]]]:
    """Record each returned row: 'sign' rows as signatures (only for unchanged words), 'changes' rows as
    requests. Returns what was signed, requested, rejected and left blank: {"line", ...} each."""
    result: Dict[str, List[Dict[str, Any]]] = {"signed": [], "changes": [], "rejected": [], "skipped": []}
    rows = list(csv.DictReader(io.StringIO(raw.lstrip("\ufeff"))))
    if rows and not {"key", "variant", "fingerprint", "decision"} <= set(rows[0]):
        raise ReviewError("This is not a returned review packet CSV (it needs key, variant, fingerprint, decision).")
    for number, row in enumerate(rows, start=2):
        decision = (row.get("decision") or "").strip().lower()
        key, printed = (row.get("key") or "").strip(), (row.get("fingerprint") or "").strip()
        where = f"row {number} ({key}, variant {row.get('variant')})"
        if not decision:
            result["skipped"].append({"line": where})
            continue
        try:
            index = int(row.get("variant") or "0") - 1
            signer = signer_line(row.get("name", ""), row.get("credential", ""))
            on = (row.get("date") or "").strip()
            dt.date.fromisoformat(on)
        except (ValueError, ReviewError) as problem:
            detail = (
                str(problem) if isinstance(problem, ReviewError) else "variant must be a number and date YYYY-MM-DD"
            )
            result["rejected"].append({"line": f"{where}: {detail}", "fingerprint": printed})
            continue
        record = {"key": key, "variant": index, "fingerprint": printed, "signer": signer}
        if decision == "sign":
            try:
                _, value = record_signature(root, key, index, printed, signer, on)
            except ReviewError as problem:
                result["rejected"].append({**record, "line": f"{where}: {problem}"})
                continue
            result["signed"].append({**record, "line": f"{where}: {value[: value.rindex(' ')]}"})
        elif decision == "changes":
            comment = " ".join((row.get("comment") or "").split())
            if not comment:
                result["rejected"].append(
                    {**record, "line": f"{where}: 'changes' needs a comment saying what to change"}
                )
                continue
            result["changes"].append({**record, "comment": comment, "line": f"{where}: {signer}: {comment}"})
        else:
            result["rejected"].append(
                {**record, "line": f"{where}: decision must be 'sign' or 'changes', not '{decision}'"}
            )
    return result


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("write")
    p.add_argument("--out", default="results/review")
    p.add_argument("--no-pdf", action="store_true")
    p = sub.add_parser("import")
    p.add_argument("file")
    p.add_argument("--endpoints", default="endpoints.yml")
    args = parser.parse_args(argv)
    if args.command == "write":
        stats = write(ROOT, Path(args.out), pdf=not args.no_pdf)
        print(f"{stats['answers']} answers to review: {stats['html']} and {stats['csv']}")
        print(
            f"Reading: the answers are {stats['answer_words']} words (~{reading_minutes(stats['answer_words'])} min at "
            f"{WORDS_PER_MINUTE} wpm); the whole packet {stats['packet_words']} words (~{reading_minutes(stats['packet_words'])} min)."
        )
        if args.no_pdf:
            print("PDF: not asked for (--no-pdf).")
        else:
            print(f"PDF: {stats['pdf']}" if stats["pdf"] else "PDF: not made (no Debian chromium: make browser-deps).")
        return 0
    path = Path(args.file)
    if not path.is_file():
        print(f"No such file: {path}", file=sys.stderr)
        return 2
    try:
        result = import_rows(ROOT, path.read_text(encoding="utf-8"))
    except ReviewError as problem:
        print(problem, file=sys.stderr)
        return 2
    _audit_import(args.endpoints, path, result)
    for kind in ("signed", "changes", "rejected", "skipped"):
        for entry in result[kind]:
            print(f"{kind}: {entry['line']}")
    print(
        f"{len(result['signed'])} signed, {len(result['changes'])} changes requested, {len(result['rejected'])} rejected, "
        f"{len(result['skipped'])} left blank."
    )
    if result["signed"]:
        print("Next: make catalog, make train, then commit the bank files (git diff shows each signature).")
    return 1 if result["rejected"] else 0


def _audit_import(endpoints: str, path: Path, result: Dict[str, List[Dict[str, Any]]]) -> None:
    """Every signature, request and rejection into the staff audit log; requests also into the queue's flags."""
    import time

    from staff import audit, db

    engine = db.engine_for(endpoints)
    actor = f"packet:{getpass.getuser()}"
    try:
        for kind in ("signed", "changes", "rejected"):
            for entry in result[kind]:
                target = f"answer:utter_{entry['key']}#{entry['variant'] + 1}" if entry.get("key") else path.name
                detail = {"file": path.name, "row": entry["line"]}
                audit.record(engine, actor, f"review.import.{kind}", target, entry.get("fingerprint", ""), detail)
        with engine.begin() as connection:
            for entry in result["changes"]:
                connection.execute(
                    db.change_requests.insert().values(
                        answer=f"utter_{entry['key']}",
                        variant=entry["variant"],
                        fingerprint=entry["fingerprint"],
                        comment=entry["comment"],
                        by=entry["signer"][:64],
                        at=time.time(),
                    )
                )
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
