"""The gateway's access line (infra/gunicorn/gateway.py): the same line gunicorn's own logger writes."""

from __future__ import annotations

import datetime
import runpy
from types import SimpleNamespace

from gunicorn.config import Config
from gunicorn.glogging import Logger

from tests.support.stack import ROOT


def settings() -> dict:
    return runpy.run_path(str(ROOT / "infra" / "gunicorn" / "gateway.py"))


def line(logger: Logger) -> str:
    response = SimpleNamespace(
        status="200 OK",
        sent=3555,
        headers=[("Content-Type", "application/json"), ("X-Request-ID", 'rid-"1"')],
    )
    request = SimpleNamespace(headers=[("HOST", "ttdn.local"), ("AUTHORIZATION", "Bearer x")])
    environ = {
        "REMOTE_ADDR": "10.0.0.7",
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/api/v1/plans/0b6c?q=h%C3%A0",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": "/api/v1/plans/0b6c",
        "QUERY_STRING": "q=h%C3%A0",
    }
    atoms = logger.atoms(response, request, environ, datetime.timedelta(microseconds=6497))
    return logger.cfg.access_log_format % logger.atoms_wrapper_class(atoms)


def test_the_lean_access_line_is_gunicorns_line() -> None:
    gateway = settings()
    config = Config()
    config.set("access_log_format", gateway["access_log_format"])
    ours, theirs = gateway["AccessLogger"](config), Logger(config)

    assert line(ours) == line(theirs)
    assert line(ours) == '10.0.0.7 "GET /api/v1/plans/0b6c?q=h%C3%A0 HTTP/1.1" 200 3555 0.006497s rid=rid-\\"1\\"'


def test_another_format_gets_gunicorns_atoms() -> None:
    gateway = settings()
    config = Config()
    config.set("access_log_format", "%(h)s %({host}i)s %(s)s")
    assert line(gateway["AccessLogger"](config)) == "10.0.0.7 ttdn.local 200"
