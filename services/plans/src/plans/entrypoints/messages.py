"""The plans service's texts in the caller's language (its Babel catalogue,
``plans/translations``), chosen from the request's ``Accept-Language``."""

from __future__ import annotations

from servicekit.i18n import N_, Catalogue, Message
from servicekit.i18n import request_locale as servicekit_request_locale
from servicekit.problems import Problem

from ..domain.errors import OrganisationsInvalid, PlanInvalid

CATALOGUE = Catalogue("plans", "plans")


def request_locale() -> str:
    """``vi`` or ``en``: ``Accept-Language``, else the token's ``locale`` claim, else English."""
    return servicekit_request_locale()


def invalid_plan_problem(error: PlanInvalid) -> Problem:
    """Every broken rule in one problem: the ``errors`` tree and a flat ``violations`` list."""
    locale = request_locale()

    def render(message: Message) -> str:
        return CATALOGUE.text(message, locale)

    return Problem(
        422,
        "Validation failed",
        render(N_("The plan breaks one or more rules; see errors.")),
        slug="validation-error",
        errors=error.validation.errors(render),
        violations=error.validation.details(render),
        headers={"Content-Language": locale},
    )


def invalid_organisations_problem(error: OrganisationsInvalid) -> Problem:
    """The organisation registry's problems (a cycle, a date out of an organisation's life, a
    field the file's shape does not have), every one, in the caller's language."""
    locale = request_locale()

    def render(message: Message) -> str:
        return CATALOGUE.text(message, locale)

    return Problem(
        422,
        "Validation failed",
        "The organisations break one or more rules; see errors.",
        slug="validation-error",
        errors=error.validation.errors(render),
        violations=error.validation.details(render),
        headers={"Content-Language": locale},
    )
