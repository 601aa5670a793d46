"""Errors as ``application/problem+json`` (RFC 9457), mapped in one place.

Services raise :class:`Problem` (or domain errors they map to it); anything
unexpected becomes a 500 that names no internals.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, json
from werkzeug.exceptions import HTTPException

from .field_messages import localised, localised_errors
from .i18n import SOURCE_LOCALE, Catalogue, Message, request_locale
from .logs import request_id_var
from .pagination import InvalidCursor

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "urn:ttdn:problem:"

_DEFAULT_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    412: "precondition-failed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    428: "precondition-required",
    429: "too-many-requests",
    500: "internal-error",
    502: "bad-gateway",
    503: "service-unavailable",
    504: "gateway-timeout",
}


class Problem(Exception):
    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        slug: str | None = None,
        errors: Any = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.slug = slug or _DEFAULT_SLUGS.get(status, "error")
        self.errors = errors
        self.headers = headers or {}
        self.extensions = extensions

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": TYPE_BASE + self.slug, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if self.errors is not None:
            body["errors"] = self.errors
        body.update(self.extensions)
        request_id = request_id_var.get()
        if request_id:
            body["request_id"] = request_id
        return body


def problem_response(problem: Problem) -> Response:
    response = Response(json.dumps(problem.to_dict(), ensure_ascii=False), status=problem.status, mimetype=PROBLEM_JSON)
    for name, value in problem.headers.items():
        response.headers[name] = value
    return response


def from_http_exception(error: HTTPException) -> Problem:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if messages is not None:
        # webargs/marshmallow nest errors by location: {"json": {"field": ["msg"]}}. With one
        # location (the usual case) report the fields themselves, whether body or query string.
        errors = next(iter(messages.values())) if isinstance(messages, dict) and len(messages) == 1 else messages
        # The field errors and the detail in the caller's language (servicekit.field_messages).
        locale = request_locale()
        language = {"Content-Language": locale}
        if _is_invalid_json(errors):
            malformed = localised("The request body is not valid JSON.", locale)
            return Problem(400, "Malformed JSON", malformed, slug="malformed-json", headers=language)
        return Problem(
            422 if status in (400, 422) else status,
            "Validation failed",
            localised("The request has invalid fields; see errors.", locale),
            slug="validation-error",
            errors=localised_errors(errors, locale),
            headers=language,
        )
    title = error.name
    detail = error.description if isinstance(data, dict) and not data.get("message") else data.get("message")
    headers = {}
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    if status == 413:
        detail = "The request body is larger than this service accepts."
    return Problem(status, title, detail, headers=headers)


def _is_invalid_json(errors: Any) -> bool:
    """webargs 8 reports an unparsable body as ``["Invalid JSON body."]`` (or under ``_schema``)."""
    if isinstance(errors, dict):
        errors = errors.get("_schema")
    return isinstance(errors, list) and any("Invalid JSON" in str(message) for message in errors)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(Problem)
    def _problem(problem: Problem) -> Response:
        return problem_response(problem)

    @app.errorhandler(InvalidCursor)
    def _cursor(error: InvalidCursor) -> Response:
        return problem_response(
            Problem(
                422, "Validation failed", "The request has invalid fields; see errors.", errors={"cursor": [str(error)]}
            )
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        return problem_response(from_http_exception(error))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unhandled error")
        return problem_response(Problem(500, "Internal error", "An unexpected error occurred; it has been logged."))


@dataclass(frozen=True)
class ProblemType:
    """How one kind of domain error is answered: status, title, type slug, and optionally
    the detail (default: the error's message) and the field errors (default: none).
    ``build`` makes the whole problem from the error instead, for an answer that depends
    on the request (the texts of a validation result in the caller's language)."""

    status: int
    title: str
    slug: str | None = None
    detail: str | Message | Callable[[BaseException], str | None] | None = None
    errors: Callable[[BaseException], Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    extensions: Callable[[Any], dict[str, Any]] | None = None  # members beyond RFC 9457's, from the error
    build: Callable[[Any], Problem] | None = None

    def problem(self, error: BaseException, render: Callable[[Any], str] | None = None) -> Problem:
        """``render`` turns the error's catalogue message (``error.message``, a
        :class:`servicekit.i18n.LocalisedError`) into the caller's language."""
        if self.build is not None:
            return self.build(error)
        headers = dict(self.headers)
        if callable(self.detail):
            detail = self.detail(error)
        elif isinstance(self.detail, Message):
            detail = render(self.detail) if render is not None else str(self.detail)
            if render is not None:
                headers.setdefault("Content-Language", getattr(render, "locale", SOURCE_LOCALE))
        elif self.detail is not None:
            detail = self.detail
        elif render is not None and isinstance(getattr(error, "message", None), Message):
            detail = render(error.message)  # type: ignore[attr-defined]
            headers.setdefault("Content-Language", getattr(render, "locale", SOURCE_LOCALE))
        else:
            detail = str(error) or None
        return Problem(
            self.status,
            self.title,
            detail,
            slug=self.slug,
            errors=self.errors(error) if self.errors else None,
            headers=headers,
            **(self.extensions(error) if self.extensions else {}),
        )


ProblemTable = Mapping[type[Exception], ProblemType]


def problem_for(table: ProblemTable, error: BaseException, render: Callable[[Any], str] | None = None) -> Problem:
    """The problem ``table`` declares for ``error``: the entry of its nearest class."""
    for kind in type(error).__mro__:
        if kind in table:
            return table[kind].problem(error, render)
    raise LookupError(f"no problem type declared for {type(error).__name__}")


class _Renderer:
    """A catalogue's messages in one locale (the problem says which in Content-Language)."""

    def __init__(self, catalogue: Catalogue, locale: str) -> None:
        self.catalogue = catalogue
        self.locale = locale

    def __call__(self, message: Message) -> str:
        return self.catalogue.text(message, self.locale)


def register_problem_table(app: Flask, table: ProblemTable, catalogue: Catalogue | None = None) -> None:
    """Answer every error class in ``table`` as it declares (a service's one table of
    domain errors to problem types; Flask picks the handler of the nearest class). With the
    service's ``catalogue``, an error's message (``LocalisedError``) is the problem's detail in
    the caller's language (``Accept-Language``, else the token's ``locale`` claim)."""

    def answer(error: BaseException) -> Response:
        render = _Renderer(catalogue, request_locale()) if catalogue is not None else None
        return problem_response(problem_for(table, error, render))

    for kind in table:
        app.register_error_handler(kind, answer)
