"""Serve the web chat's files from webchat/static (no CDN: the page works under a strict CSP)."""
from __future__ import annotations

from pathlib import Path

from sanic import Sanic, response
from sanic.request import Request

STATIC = Path(__file__).resolve().parent / "static"


def mount_webchat(app: Sanic) -> None:
    @app.get("/")
    async def index(_: Request):
        return await response.file(STATIC / "index.html")

    app.static("/webchat", str(STATIC), name="webchat_static")
