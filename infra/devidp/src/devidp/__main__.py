"""``python -m devidp``: serve the development identity provider in one multi-threaded process."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from dataclasses import replace
from pathlib import Path
from types import FrameType

from werkzeug.serving import WSGIRequestHandler, make_server

from devidp.app import create_app
from devidp.config import Settings


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler without its ``Server: Werkzeug/… Python/…`` header: versions
    tell an attacker which known flaws to try (Keycloak does not announce itself either)."""

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() != "server":
            super().send_header(keyword, value)


def main(argv: list[str] | None = None) -> int:
    defaults = Settings.from_env()
    parser = argparse.ArgumentParser(
        prog="python -m devidp",
        description="Development identity provider speaking Keycloak's protocol for the realm file. "
        "DEVELOPMENT ONLY — not Keycloak, never use in production.",
    )
    parser.add_argument("--host", default=defaults.host, help="bind address (DEVIDP_HOST, default %(default)s)")
    parser.add_argument("--port", type=int, default=defaults.port, help="port (DEVIDP_PORT, default %(default)s)")
    parser.add_argument(
        "--realm-file",
        type=Path,
        default=defaults.realm_file,
        help="Keycloak realm export (DEVIDP_REALM_FILE, default %(default)s)",
    )
    parser.add_argument(
        "--issuer-base",
        default=defaults.issuer_base,
        help="public base URL used in iss (DEVIDP_ISSUER_BASE, else KEYCLOAK_URL, else http://HOST:PORT)",
    )
    parser.add_argument(
        "--key-file",
        type=Path,
        default=defaults.key_file,
        help="where signing keys persist across restarts (DEVIDP_KEY_FILE, default: none)",
    )
    args = parser.parse_args(argv)
    settings = replace(
        defaults,
        host=args.host,
        port=args.port,
        realm_file=args.realm_file,
        issuer_base=args.issuer_base,
        key_file=args.key_file,
    )

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(settings)
    # One process, a thread per request: sessions and codes live in this process's memory.
    server = make_server(settings.host, settings.port, app, threaded=True, request_handler=QuietRequestHandler)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    logging.getLogger("devidp").info("listening on http://%s:%d", settings.host, server.server_port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
