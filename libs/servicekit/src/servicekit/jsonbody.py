"""Request bodies in JSON, checked once before any view reads them.

Python's ``json`` accepts what the rest of the stack cannot handle: nesting
deep enough to exhaust the recursion limit, integers too long to convert
(over 4,300 digits), and lone surrogates (``"\\ud800"``), which are not
Unicode and break every encoder after them. Each is a 400 problem naming where
in the document it was found, on every service and on the gateway alike.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Response, request

from .problems import Problem, problem_response

MAX_DEPTH = 32  # the deepest of our documents (a plan's activity's indicator) is 4


def is_json_mimetype(mimetype: str) -> bool:
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def _malformed(detail: str, where: str | None = None) -> Problem:
    return Problem(
        400,
        "Malformed JSON",
        detail,
        slug="malformed-json",
        errors={where or "$": [detail]} if where is not None else None,
    )


def _path(parts: list[str | int]) -> str:
    return ".".join(str(part) for part in parts) or "$"


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_document(document: Any, *, max_depth: int = MAX_DEPTH) -> None:
    """Walk the parsed document (iteratively: the walk itself must not recurse): too deep, or a
    string that is not Unicode, raises a 400 :class:`Problem` naming the place."""
    stack: list[tuple[Any, list[str | int]]] = [(document, [])]
    while stack:
        value, path = stack.pop()
        if len(path) > max_depth:
            raise _malformed(f"The document is nested deeper than {max_depth} levels.", _path(path[:max_depth]))
        if isinstance(value, str):
            if not _is_unicode(value):
                raise _malformed("A string holds a lone surrogate, which is not Unicode.", _path(path))
        elif isinstance(value, dict):
            for key, item in value.items():
                if not _is_unicode(key):
                    raise _malformed("A member name holds a lone surrogate, which is not Unicode.", _path(path))
                stack.append((item, [*path, key]))
        elif isinstance(value, list):
            stack.extend((item, [*path, index]) for index, item in enumerate(value))


def parse_json_body(data: bytes) -> Any:
    """The parsed body, or a 400 :class:`Problem`."""
    try:
        document = json.loads(data)
    except RecursionError:
        raise _malformed(f"The document is nested deeper than {MAX_DEPTH} levels.") from None
    except UnicodeDecodeError:
        raise _malformed("The request body is not UTF-8.") from None
    except json.JSONDecodeError:
        raise _malformed("The request body is not valid JSON.") from None
    except ValueError as error:  # e.g. "Exceeds the limit (4300 digits) for integer string conversion"
        raise _malformed(f"The request body holds a value that cannot be read: {error}") from None
    check_document(document)
    return document


def install_json_guard(app: Flask) -> None:
    """Refuse, before authentication and any view, a JSON body the stack could not handle."""

    @app.before_request
    def _check_json_body() -> Response | None:
        if not request.content_length and "chunked" not in request.headers.get("Transfer-Encoding", "").lower():
            return None
        if not is_json_mimetype(request.mimetype):
            return None
        data = request.get_data(cache=True)
        if not data:
            return None
        try:
            parse_json_body(data)
        except Problem as problem:
            return problem_response(problem)
        return None
