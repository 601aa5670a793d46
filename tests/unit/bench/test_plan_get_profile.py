"""Where a plan GET's time goes: py-spy's collapsed stacks summed by layer and by function (no I/O)."""

from __future__ import annotations

from bench.profiles import where_time_goes

SITE = "/srv/ttdn/.venv/lib/python3.11/site-packages"
GUNICORN = f"handle_request ({SITE}/gunicorn/workers/gthread.py:771)"
FLASK = f"Flask.full_dispatch_request ({SITE}/flask/app.py:915)"
VIEW = "read_document (/srv/ttdn/services/plans/src/plans/entrypoints/api.py:88)"
COLLAPSED = "\n".join(
    [
        f"{GUNICORN};{FLASK};{VIEW};execute ({SITE}/sqlalchemy/orm/session.py:2300);"
        f"wait ({SITE}/psycopg/connection.py:950) 30",
        f"{GUNICORN};{FLASK};{VIEW};execute ({SITE}/sqlalchemy/orm/session.py:2300) 20",
        f"{GUNICORN};{FLASK};{VIEW};dumps (/usr/lib/python3.11/json/__init__.py:231) 10",
        f"{GUNICORN};{FLASK};{VIEW} 15",
        f"{GUNICORN};{FLASK} 5",
        f"{GUNICORN};recv_into (/usr/lib/python3.11/socket.py:705) 20",
        "a line that is not a stack",
    ]
)


def test_samples_belong_to_the_innermost_layer_and_sockets_to_their_caller() -> None:
    summary = where_time_goes(COLLAPSED)

    assert summary["samples"] == 100
    assert summary["percent_by_layer"] == {
        "psycopg": 30.0,
        "SQLAlchemy": 20.0,
        "WSGI server": 20.0,
        "own code": 15.0,
        "JSON and schemas": 10.0,
        "Flask, werkzeug": 5.0,
    }
    assert summary["percent_self_by_function"]["wait (psycopg/connection.py)"] == 30.0
    assert summary["percent_self_by_function"]["dumps (json/__init__.py)"] == 10.0


def test_no_samples_no_shares() -> None:
    assert where_time_goes("") == {"samples": 0, "percent_by_layer": {}, "percent_self_by_function": {}}
