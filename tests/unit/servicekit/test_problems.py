"""How framework errors become problem+json."""

from __future__ import annotations

from servicekit.problems import from_http_exception
from werkzeug.exceptions import UnprocessableEntity


def webargs_error(messages: object) -> UnprocessableEntity:
    error = UnprocessableEntity()
    error.data = {"messages": messages}  # what flask-smorest's abort attaches
    return error


def test_an_unparsable_body_is_a_400_malformed_json() -> None:
    problem = from_http_exception(webargs_error({"json": ["Invalid JSON body."]}))
    assert (problem.status, problem.slug) == (400, "malformed-json")


def test_field_errors_are_a_422_listing_each_field() -> None:
    problem = from_http_exception(webargs_error({"json": {"budget_vnd": ["Must be greater than or equal to 0."]}}))
    assert (problem.status, problem.slug) == (422, "validation-error")
    assert problem.errors == {"budget_vnd": ["Must be greater than or equal to 0."]}


def test_query_string_errors_are_reported_like_body_errors() -> None:
    problem = from_http_exception(webargs_error({"query": {"limit": ["Must be between 1 and 100."]}}))
    assert problem.status == 422
    assert problem.errors == {"limit": ["Must be between 1 and 100."]}
