"""Serve the web chat: the page at `/`, its files under /webchat/, and /webchat/config.json.

Every file is served by the project (no CDN, no third-party request), so the page works under the strict
Content-Security-Policy below. Only the files listed in FILES are served: no directory listing, no path
from the URL ever reaches the file system.

Embedding: the page at `/` may be framed by the sites named in WEBCHAT_FRAME_ANCESTORS (a CSP
frame-ancestors source list). The default, "'self' https:", lets any https site embed it with
webchat/static/embed.js, and no plain-http site (a mental-health chat should not sit inside an
unencrypted page). Set e.g. WEBCHAT_FRAME_ANCESTORS="'self' https://clinic.example" to allow only your site.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import Any, Dict, List

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic_routing.exceptions import RouteExists

from guardrails import hotlines

STATIC = Path(__file__).resolve().parent / "static"

# name under /webchat/ -> content type
FILES: dict[str, str] = {
    "chat.js": "text/javascript; charset=utf-8",
    "chat.css": "text/css; charset=utf-8",
    "embed.js": "text/javascript; charset=utf-8",
    "demo.html": "text/html; charset=utf-8",
    "demo.css": "text/css; charset=utf-8",
    "pages.css": "text/css; charset=utf-8",
}

DEFAULT_FRAME_ANCESTORS = "'self' https:"
_SOURCE_LIST = re.compile(r"^[\w\s':/.*-]+$")

BASE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'"
)


def frame_ancestors() -> str:
    value = os.environ.get("WEBCHAT_FRAME_ANCESTORS", "").strip()
    if not value or not _SOURCE_LIST.match(value):
        return DEFAULT_FRAME_ANCESTORS
    return value


def security_headers(embeddable: bool) -> dict[str, str]:
    ancestors = frame_ancestors() if embeddable else "'self'"
    return {
        "Content-Security-Policy": f"{BASE_CSP}; frame-ancestors {ancestors}",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        "Cache-Control": "no-cache",
    }


def client_config() -> dict[str, Any]:
    """What the page needs: each region's name and header crisis link (hotline directory), and how
    long the server keeps a conversation (server/settings.py), for the privacy note."""
    from server.settings import Settings

    return {
        "welcome": _WELCOME,
        "retention_days": Settings.from_env().retention_days,
        "default_region": hotlines.default_region(),
        "regions": {
            code: {"name": spec["name"], "header": {"label": spec["header"]["label"], "href": spec["header"]["href"]}}
            for code, spec in hotlines.regions().items()
        },
    }


WELCOME_RESPONSE = "utter_greet"  # the bank's greeting opens the chat: what the assistant can and cannot do


def welcome() -> dict[str, Any] | None:
    """The greeting as the chat shows it: its reviewed text, starter topics as quick replies, its sources."""
    from bank.loader import load_bank
    from channels.rest import answer_key

    variants = [v for v in load_bank().responses.get(WELCOME_RESPONSE, []) if not v.get("condition")]
    if not variants:
        return None
    variant = variants[0]
    metadata = dict(variant.get("metadata") or {})
    metadata["answer_key"] = answer_key(WELCOME_RESPONSE, metadata)
    return {"text": variant.get("text", ""), "buttons": variant.get("buttons") or [], "metadata": metadata}


def region_or_default(region: str | None) -> str:
    region = (region or "").strip().lower()
    return region if region in hotlines.regions() else hotlines.default_region()


def render_index(region: str | None) -> str:
    """The page, with the region's crisis link already in the header (visible even before scripts run)."""
    code = region_or_default(region)
    header = hotlines.regions()[code]["header"]
    href = header["href"] if header["href"].startswith(("tel:", "https:")) else "#"
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    for name, value in (("CRISIS_LABEL", header["label"]), ("CRISIS_HREF", href), ("REGION", code)):
        page = page.replace("{{" + name + "}}", html.escape(value, quote=True))
    return page


def help_lines_html() -> str:
    """Each region's crisis lines, rendered from the hotline directory (the numbers live only there)."""
    esc = html.escape
    out = []
    for code, spec in hotlines.regions().items():
        intro, services = hotlines.route_for("crisis", code)
        items = "".join(f"<li>{esc(s['name'])}: {esc(s['how'])}</li>" for s in services)
        checked = min(str(s["verified_on"]) for s in services)
        out.append(
            f'<section class="region" id="help-lines-{esc(code)}"><h3>{esc(spec["name"][:1].upper() + spec["name"][1:])}</h3>'
            f"<p>{esc(intro)}</p><ul>{items}</ul><p class='checked'>Checked on {esc(checked)}.</p></section>"
        )
    return "".join(out)


def clinical_review_sentence(responses: Dict[str, List[Dict[str, Any]]] | None) -> tuple:
    """(number of answers, a true sentence on their clinical review) for the answers this server can send."""
    from bank.review import valid_signature

    variants = [v for vs in (responses or {}).values() for v in vs or []]
    signed = sum(1 for v in variants if valid_signature(v) is not None)
    if not variants:
        return 0, "The answers are loading."
    if signed == len(variants):
        sentence = "Every answer has also been read and signed by a clinician, for its exact words."
    elif signed:
        sentence = (
            f"{signed} of {len(variants)} answers have also been signed by a clinician; the others are still waiting."
        )
    else:
        sentence = "No clinician has signed the answers yet: a clinical review is still pending for every answer."
    return len(responses or {}), sentence


def render_page(name: str, responses: Dict[str, List[Dict[str, Any]]] | None) -> str:
    """/about or /privacy: the assistant's own pages, cited as the source of its answers about itself."""
    from server.settings import Settings

    count, review = clinical_review_sentence(responses)
    page = (STATIC / f"{name}.html").read_text(encoding="utf-8")
    values = {
        "ANSWERS": str(count),
        "CLINICAL_REVIEW": html.escape(review),
        "HELP_LINES": help_lines_html(),
        "RETENTION_DAYS": str(Settings.from_env().retention_days),
    }
    for key, value in values.items():
        page = page.replace("{{" + key + "}}", value)
    return page


_WELCOME: dict[str, Any] | None = None  # read once at start-up (mount_webchat): the bank is fixed while serving


def mount_webchat(app: Sanic) -> None:
    """Add the web chat's routes to the assistant's Sanic app (called by server/app.py before start)."""
    global _WELCOME
    _WELCOME = welcome()

    async def index(request: Request) -> HTTPResponse:
        return response.html(render_index(request.args.get("region")), headers=security_headers(True))

    try:
        app.add_route(index, "/", methods=["GET"], name="webchat_index")
    except RouteExists:
        # Rasa's configure_app already answers GET / with "Hello from Rasa": serve the page instead,
        # before that handler runs (a request middleware that returns a response ends the request).
        @app.middleware("request")
        async def page_at_root(request: Request) -> HTTPResponse | None:
            if request.path == "/" and request.method == "GET":
                return await index(request)
            return None

    async def own_page(request: Request, name: str) -> HTTPResponse:
        agent = getattr(request.app.ctx, "agent", None)
        responses = getattr(getattr(agent, "domain", None), "responses", None)
        return response.html(render_page(name, responses), headers=security_headers(False))

    @app.get("/about", name="webchat_about")
    async def about(request: Request) -> HTTPResponse:
        return await own_page(request, "about")

    @app.get("/privacy", name="webchat_privacy")
    async def privacy(request: Request) -> HTTPResponse:
        return await own_page(request, "privacy")

    @app.get("/webchat/config.json", name="webchat_config")
    async def config(_: Request) -> HTTPResponse:
        return response.json(client_config(), headers=security_headers(False))

    @app.get("/webchat/<name:str>", name="webchat_file")
    async def static_file(_: Request, name: str) -> HTTPResponse:
        if name not in FILES:
            return response.json(
                {"error": "not_found", "detail": "No such web chat file."}, status=404, headers=security_headers(False)
            )
        headers = security_headers(False)
        if name == "embed.js":
            # loaded by other sites' pages with a plain <script src>: say so explicitly
            headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        return await response.file(STATIC / name, mime_type=FILES[name], headers=headers)
