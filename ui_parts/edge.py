"""The server's edge: what a request must be before Gradio sees it, and how connections and logs are bounded.

- `EdgeGuard` (ASGI middleware, outermost): the `Host` header must name this server (loopback names, the host it
  listens on, and any `--allow-host`), so a web page reached through a rebinding DNS name cannot drive it; an
  `Origin`, when sent, must be one of those hosts on this port; forwarded headers (`X-Forwarded-Host`, …) are
  dropped unless the server runs behind a proxy that sets them; the upload route is refused (the page takes no
  files); request bodies are capped; and each client address (but the machine's own) may start jobs only at a
  bounded rate, so one client cannot fill the queue. Every refusal is a status code and one plain sentence.
- `HeadTimeoutH11`: uvicorn's HTTP/1.1 protocol, but a connection that has not sent a complete request head within
  `head_timeout` seconds is closed (uvicorn only times out idle keep-alive connections), so half-open sockets cannot
  pile up until the server stops answering.
- `RepeatFilter`: a logging filter that lets the same message through a few times a minute and then counts it,
  so a flood of identical errors cannot fill the disk.

Left out: authentication (the chat is meant for one machine or a trusted network) and TLS (use a proxy).
"""

from __future__ import annotations

import asyncio
import fnmatch
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from uvicorn.protocols.http.h11_impl import H11Protocol

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
FORWARDED = (b"x-forwarded-host", b"x-forwarded-proto", b"x-forwarded-for", b"x-forwarded-port", b"forwarded",
             b"x-real-ip")
UPLOAD_PATHS = ("/gradio_api/upload", "/upload")
# routes that start work on the server (a queued job or a direct call): these are rate limited per client
JOB_PREFIXES = ("/gradio_api/queue/join", "/gradio_api/call/", "/gradio_api/run/", "/call/", "/run/")


@dataclass(frozen=True)
class EdgeLimits:
    # the largest legitimate request is 20 earlier questions and one more, 2,000 characters each, JSON-escaped
    # (up to 6 bytes a character): about 250 KB; twice that leaves room and refuses a 1 GB body at once
    max_body_bytes: int = 512 * 1024
    # a client (IP address) may start this many jobs a second on average ...
    rate: float = 5.0
    # ... and this many in a burst (a page's first load starts a few; a user types far slower)
    burst: int = 20
    # seconds a new connection has to send a complete request head
    head_timeout: float = 10.0
    # trust X-Forwarded-* headers (only behind a proxy you run, which sets them)
    behind_proxy: bool = False
    # the machine itself (127.0.0.1, ::1) is not rate limited: its users are the person at it and local scripts
    # (a load test); every other address is
    limit_loopback: bool = False


def allowed_hosts(host: str, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """Host names a request may address: loopback, the listening address (unless it is a wildcard), extras."""
    names = [*LOOPBACK_NAMES]
    if host not in ("0.0.0.0", "::", ""):
        names.append(host)
    names.extend(h.strip().lower() for h in extra if h.strip())
    return tuple(dict.fromkeys(n.lower().strip("[]") for n in names))


def host_name(value: str) -> str:
    """The host part of a Host header value (`[::1]:7860` → `::1`, `Example.org:80` → `example.org`)."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class _Bucket:
    """A token bucket: `rate` tokens a second, at most `burst` saved up."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.at = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class EdgeGuard:
    def __init__(self, app: Any, *, hosts: Iterable[str], port: int | None, limits: EdgeLimits | None = None):
        self.app = app
        self.hosts = tuple(h.lower() for h in hosts)
        self.port = port
        self.limits = limits or EdgeLimits()
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def host_ok(self, name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.hosts)

    def origin_ok(self, origin: str) -> bool:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False  # "null" (sandboxed frames, file: pages) and anything odd
        if self.port is not None and (parts.port or (443 if parts.scheme == "https" else 80)) != self.port:
            return False
        return self.host_ok(parts.hostname.lower())

    def _allow_job(self, client: str) -> bool:
        with self._lock:
            if len(self._buckets) > 10_000:  # forget clients that have been quiet (their buckets are full)
                self._buckets = {k: b for k, b in self._buckets.items() if b.tokens < b.burst}
            bucket = self._buckets.setdefault(client, _Bucket(self.limits.rate, self.limits.burst))
            return bucket.take()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        host = headers.get(b"host", b"").decode("latin-1")
        if not self.host_ok(host_name(host)):
            await _refuse(scope, send, 421, "This server does not answer for that host name.")
            return
        origin = headers.get(b"origin")
        if origin is not None and not self.origin_ok(origin.decode("latin-1")):
            await _refuse(scope, send, 403, "Requests from other web sites are not accepted.")
            return
        if not self.limits.behind_proxy:
            scope = dict(scope, headers=[(k, v) for k, v in scope.get("headers") or [] if k not in FORWARDED])
        path = scope.get("path", "")
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        if path.rstrip("/") in UPLOAD_PATHS:
            await _refuse(scope, send, 403, "This page takes no uploads.")
            return
        if scope["method"] == "POST" and path.startswith(JOB_PREFIXES):
            client = (scope.get("client") or ("?",))[0]
            exempt = client in ("127.0.0.1", "::1") and not self.limits.limit_loopback
            if not exempt and not self._allow_job(client):
                await _refuse(scope, send, 429, "Too many requests from your address; please wait a few seconds.")
                return
        if scope["method"] in ("POST", "PUT", "PATCH", "DELETE"):
            length = headers.get(b"content-length")
            if length is not None and (not length.isdigit() or int(length) > self.limits.max_body_bytes):
                await _refuse(scope, send, 413, "The request is too large.")
                return
            body = await _read_body(receive, self.limits.max_body_bytes)
            if body is None:
                await _refuse(scope, send, 413, "The request is too large.")
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, send)


async def _read_body(receive: Any, limit: int) -> bytes | None:
    """The whole request body, or None once it grows past `limit` (the rest is not read)."""
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(parts)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts)


def _replay(body: bytes, receive: Any) -> Any:
    sent = False

    async def replay() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # afterwards: disconnect notices, as the app expects

    return replay


async def _refuse(scope: dict, send: Any, status: int, sentence: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = (sentence + "\n").encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class HeadTimeoutH11(H11Protocol):
    """uvicorn's h11 protocol, closing a connection that sends no complete request head within `head_timeout`."""

    head_timeout = EdgeLimits.head_timeout

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)
        self._heads_seen = 0

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not None and self._head_timer is not None:  # a request head arrived in time
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.cycle is None and not self.transport.is_closing():
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if getattr(self, "_head_timer", None) is not None:
            self._head_timer.cancel()
        super().connection_lost(exc)


class RepeatFilter(logging.Filter):
    """Let the same log message (logger, template, exception type) through `limit` times per `window` seconds;
    after that, count it, and say how many were held back when it next gets through."""

    def __init__(self, limit: int = 5, window: float = 60.0) -> None:
        super().__init__()
        self.limit, self.window = limit, window
        self._seen: dict[tuple, list] = {}  # key -> [window start, count]
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
        key = (record.name, str(record.msg), exc)
        now = time.monotonic()
        with self._lock:
            if len(self._seen) > 1000:
                self._seen.clear()
            start, count = self._seen.get(key, (now, 0))
            if now - start > self.window:
                held = count - self.limit
                start, count = now, 0
                if held > 0:
                    record.msg = f"{record.msg} (and {held} more like it in the last {self.window:.0f} s, not logged)"
            count += 1
            self._seen[key] = [start, count]
            return count <= self.limit


class ClientSlots:
    """At most `per_client` answers being worked on at once for one client (a browser tab or API session); a
    request beyond that is told so at once instead of holding a second worker. Fairness between addresses is the
    job of the edge's per-address rate limit."""

    def __init__(self, per_client: int = 1) -> None:
        self.per_client = per_client
        self._busy: dict[str, int] = {}
        self._lock = threading.Lock()

    def acquire(self, client: str) -> bool:
        with self._lock:
            if self._busy.get(client, 0) >= self.per_client:
                return False
            self._busy[client] = self._busy.get(client, 0) + 1
            return True

    def release(self, client: str) -> None:
        with self._lock:
            left = self._busy.get(client, 1) - 1
            if left > 0:
                self._busy[client] = left
            else:
                self._busy.pop(client, None)
