"""The plans service's texts in the caller's language (its Babel catalogue,
``plans/translations``), chosen from the request's ``Accept-Language``."""

from __future__ import annotations

from servicekit.i18n import N_, Catalogue, Message
from servicekit.i18n import request_locale as servicekit_request_locale
from servicekit.problems import Problem
from servicekit.validation import Validation

from ..domain.errors import NothingToCopy, OrganisationsInvalid, PlanInvalid

CATALOGUE = Catalogue("plans", "plans")


def request_locale() -> str:
    """``vi`` or ``en``: ``Accept-Language``, else the token's ``locale`` claim, else English."""
    return servicekit_request_locale()


def invalid_plan_problem(error: PlanInvalid) -> Problem:
    """Every broken rule in one problem: the ``errors`` tree and a flat ``violations`` list."""
    return _invalid(
        error.validation, getattr(error, "detail", None) or N_("The plan breaks one or more rules; see errors.")
    )


def nothing_to_copy_problem(error: NothingToCopy) -> Problem:
    locale = request_locale()
    detail = CATALOGUE.text(
        N_("Your unit has no approved plan for {year} to start from.", year=str(error.year)), locale
    )
    return Problem(404, "Nothing to copy", detail, slug="nothing-to-copy", headers={"Content-Language": locale})


def invalid_organisations_problem(error: OrganisationsInvalid) -> Problem:
    """The organisation registry's problems (a cycle, a date out of an organisation's life, a
    field the file's shape does not have), every one, in the caller's language."""
    return _invalid(error.validation, N_("The organisations break one or more rules; see errors."))


def _invalid(validation: Validation, detail: Message | str) -> Problem:
    """A 422 naming every broken rule at once, in the caller's language: the ``errors`` tree (field
    path to messages) and the flat ``violations`` list."""
    locale = request_locale()

    def render(message: Message | str) -> str:
        return CATALOGUE.text(message, locale)

    return Problem(
        422,
        "Validation failed",
        render(detail),
        slug="validation-error",
        errors=validation.errors(render),
        violations=validation.details(render),
        headers={"Content-Language": locale},
    )


def unknown_organisation_problem(error: OrganisationsInvalid) -> Problem:
    """An organisation id in the path that the registry does not have: 404, saying which, in the
    caller's language."""
    locale = request_locale()
    named = [CATALOGUE.text(violation.message, locale) for violation in error.validation]
    detail = " ".join(named) or CATALOGUE.text(N_("No such organisation."), locale)
    return Problem(404, "Not found", detail, slug="not-found", headers={"Content-Language": locale})
