"""A load client that talks to the REST channel the way a browser does.

Each visitor holds one keep-alive connection and sends each request in a single write. Python's
http.client and urllib write headers and body separately; that meets the server's delayed ACK and
adds ~40 ms per request that is not the server's. Used by bench/ (latency, load, soak).
"""

from __future__ import annotations

import json
import socket
import uuid
from typing import Any, Dict, Tuple

WEBHOOK = "/webhooks/rest/webhook"


class Visitor:
    """One keep-alive connection to host:port; `say` returns (status, parsed JSON body)."""

    def __init__(self, port: int, host: str = "127.0.0.1", sender: str | None = None, timeout: float = 60) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.sender = sender or f"bench-{uuid.uuid4().hex}"
        self.sock: socket.socket | None = None
        self.buffer = b""
        self.last_headers: Dict[str, str] = {}

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        return sock

    def new_conversation(self) -> None:
        self.sender = f"bench-{uuid.uuid4().hex}"

    def request(
        self, method: str, path: str, body: bytes = b"", headers: Dict[str, str] | None = None
    ) -> Tuple[int, bytes]:
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n{extra}\r\n"
        ).encode()
        for attempt in (1, 2):  # a keep-alive connection the server closed is reopened once
            if self.sock is None:
                self.sock = self._connect()
            try:
                self.sock.sendall(head + body)
                return self._read_response()
            except (ConnectionError, _Closed):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def say(self, text: str, metadata: Dict[str, Any] | None = None) -> Tuple[int, Any]:
        payload: Dict[str, Any] = {"sender": self.sender, "message": text}
        if metadata:
            payload["metadata"] = metadata
        status, raw = self.request("POST", WEBHOOK, json.dumps(payload).encode())
        return status, json.loads(raw) if raw else None

    def _recv(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise _Closed()
        self.buffer += chunk

    def _read_response(self) -> Tuple[int, bytes]:
        while b"\r\n\r\n" not in self.buffer:
            self._recv()
        header, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = header.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        self.last_headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(self.last_headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self._recv()
        payload, self.buffer = self.buffer[:length], self.buffer[length:]
        if self.last_headers.get("connection", "").lower() == "close":
            self.close()
        return status, payload

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class _Closed(Exception):
    """The server closed the keep-alive connection."""
