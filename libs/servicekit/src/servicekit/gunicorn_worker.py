"""gunicorn's gthread worker, answering the requests gunicorn itself refuses with
problem+json like the rest of the suite instead of its HTML page.

gunicorn reads the request line and headers before any application code runs; a
request line over ``limit_request_line`` (414) or headers over the header limits
(431) never reach Flask. Everything else is gunicorn's own handling.

Use it with ``worker_class = "servicekit.gunicorn_worker.ProblemThreadWorker"``.
"""

from __future__ import annotations

import json
import socket
from typing import Any

from gunicorn import util
from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine
from gunicorn.workers.gthread import ThreadWorker

from .problems import PROBLEM_JSON, Problem

_REFUSALS: tuple[tuple[type[Exception], int, str, str], ...] = (
    (LimitRequestLine, 414, "URI Too Long", "The request target is longer than this server reads."),
    (LimitRequestHeaders, 431, "Request Header Fields Too Large", "The headers are larger than this server reads."),
)


def problem_bytes(status: int, reason: str, detail: str) -> bytes:
    """A whole HTTP/1.1 response carrying a problem; the connection closes after it."""
    body = json.dumps(Problem(status, reason, detail).to_dict(), ensure_ascii=False).encode("utf-8")
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        f"Content-Type: {PROBLEM_JSON}\r\n"
        "Cache-Control: no-store\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class ProblemThreadWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn is untyped
    def handle_error(self, req: Any, client: socket.socket, addr: Any, exc: BaseException) -> None:
        for kind, status, reason, detail in _REFUSALS:
            if isinstance(exc, kind):
                self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
                try:
                    util.write_nonblock(client, problem_bytes(status, reason, detail))
                except Exception:
                    self.log.debug("Failed to send the %s problem", status)
                return
        super().handle_error(req, client, addr, exc)
