"""Real HTTP servers for the gateway's integration tests: the identity
provider's JWKS, stand-in upstream services, and the gateway itself, each a
threaded Werkzeug server on a free port of 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Callable

from devidp.testing import free_port  # noqa: F401 -- one definition, re-exported for the tests
from flask import Flask, Response, jsonify, request
from jwcrypto import jwk
from werkzeug.exceptions import HTTPException
from werkzeug.serving import BaseWSGIServer, make_server


class ServerThread:
    def __init__(self, app: Callable) -> None:
        self._server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        # a short poll interval: shutdown() returns within 50 ms instead of 500
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def jwks_app(*keys: jwk.JWK) -> Flask:
    """The realm's certs endpoint, as Keycloak (and devidp) serve it."""
    app = Flask("idp")

    @app.get("/realms/ttdn/protocol/openid-connect/certs")
    def certs() -> Response:
        return jsonify(keys=[json.loads(key.export_public()) for key in keys])

    return app


class GarbageServer:
    """Accepts connections and answers bytes that are not HTTP at all."""

    def __init__(self) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self._stopped = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stopped:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            with connection:
                connection.recv(65536)
                connection.sendall(b"\x00\x17 Cao Bang says hello, not HTTP\r\n\r\n")

    def stop(self) -> None:
        self._stopped = True
        self._socket.close()


# A stand-in service: it records what reached it and answers like the real
# one would (JSON, Location relative to itself, ETag). Some plan ids make it
# misbehave the ways real upstreams do.
SLOW_ID = "cham-tre"  # answers after SLOW_SECONDS (beyond the gateway's read timeout in the tests)
HTML_ID = "trang-loi"  # an HTML error page instead of JSON
BROKEN_JSON_ID = "json-hong"  # application/json that is not JSON
SLOW_SECONDS = 3.0


def upstream_app(service: str, openapi: dict) -> Flask:
    app = Flask(service)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.config["seen"] = []
    app.config["created"] = 0
    plans: dict[str, dict] = {}

    def record() -> dict:
        seen = {
            "service": service,
            "method": request.method,
            "path": request.path,
            "query": request.query_string.decode(),
            "headers": dict(request.headers.items()),
            "body": request.get_data(as_text=True),
        }
        app.config["seen"].append(seen)
        return seen

    @app.errorhandler(HTTPException)
    def problem(error: HTTPException) -> tuple[Response, int]:
        # as the services answer every error: problem+json (servicekit)
        body = jsonify(type="urn:ttdn:problem:error", title=error.name, status=error.code)
        body.mimetype = "application/problem+json"
        return body, error.code or 500

    @app.get("/openapi.json")
    def openapi_document() -> Response:
        return jsonify(openapi)

    @app.get("/readyz")
    def readyz() -> tuple[Response, int]:
        return jsonify(status="ready", service=service), 200

    @app.post("/plans")
    def create_plan() -> tuple[Response, int, dict]:
        seen = record()
        app.config["created"] += 1
        plan_id = str(uuid.uuid4())
        plans[plan_id] = {"id": plan_id, "status": "draft", **json.loads(seen["body"] or "{}")}
        return jsonify(plans[plan_id]), 201, {"Location": f"/plans/{plan_id}", "ETag": '"v1"'}

    @app.get("/plans/<plan_id>")
    def read_plan(plan_id: str) -> Response | tuple[Response, int] | tuple[str, int, dict]:
        record()
        if plan_id == SLOW_ID:
            time.sleep(SLOW_SECONDS)
        if plan_id == HTML_ID:
            return "<html><body>502 Bad Gateway nginx at 10.0.3.7</body></html>", 200, {"Content-Type": "text/html"}
        if plan_id == BROKEN_JSON_ID:
            return '{"id": "truncated', 200, {"Content-Type": "application/json"}
        if plan_id in plans:
            return jsonify(plans[plan_id])
        return jsonify(echo=app.config["seen"][-1])

    @app.route("/<path:path>", methods=["GET", "POST", "PUT", "DELETE"])
    def echo(path: str) -> tuple[Response, int]:
        seen = record()
        # as the services answer: 201 for a new subscription, 204 for its deletion, 200 otherwise
        status = (
            201
            if request.path == "/webhooks" and request.method == "POST"
            else 204
            if request.method == "DELETE" and request.path.startswith("/webhooks/")
            else 200
        )
        if status == 204:
            return Response(status=204), 204
        return jsonify(echo=seen), status

    return app
