"""Vietnamese first, English switchable: the pages' texts come from the web's Babel
catalogue (``translations/<locale>/LC_MESSAGES/web.po``, compiled ``.mo`` committed).

The web's msgids are message keys (``nav.plans``, ``form.title``), not English
sentences: a page text is found by what it is for, and the English catalogue is a
translation like the Vietnamese one. Templates call ``t("key", value=…)``; Python
code marks a key it keeps for later with :func:`mark`, so that ``make messages``
finds it. A key built at run time (``"status." ~ plan.status``) is listed in
:data:`KEYS_BUILT_AT_RUN_TIME`, for the same reason. A missing English message falls
back to the Vietnamese one and a missing key shows itself, so a gap is visible in
review rather than silently blank; a test fails on either.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from babel.support import Translations

LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"
DOMAIN = "web"


def mark(key: str) -> str:
    """``key`` itself, marked for the catalogue (``pybabel extract -k mark``)."""
    return key


@cache
def catalogue(locale: str) -> dict[str, str]:
    """Every key of ``locale``'s catalogue and its text."""
    directory = str(resources.files(__package__).joinpath("translations"))
    translations = Translations.load(directory, [locale], DOMAIN)
    messages = getattr(translations, "_catalog", {})
    return {str(key): str(text) for key, text in messages.items() if key and isinstance(key, str)}


def translate(locale: str, key: str, **values: Any) -> str:
    message = catalogue(locale).get(key) or catalogue(DEFAULT_LOCALE).get(key) or key
    return message.format(**values) if values else message


def pick(labels: Any, locale: str) -> str:
    """A ``{"vi": …, "en": …}`` label (level names, stages) in the reader's language."""
    if isinstance(labels, dict):
        return str(labels.get(locale) or labels.get(DEFAULT_LOCALE) or "")
    return "" if labels is None else str(labels)


# Keys the pages build from a value (a status, a decision, an event kind, a field name).
KEYS_BUILT_AT_RUN_TIME = (
    # approval.decision.*
    mark("approval.decision.approve"),
    mark("approval.decision.reject"),
    mark("approval.decision.return"),
    # confirm.<decision>_*
    mark("confirm.approve_title"),
    mark("confirm.approve_question"),
    mark("confirm.approve_button"),
    mark("confirm.return_title"),
    mark("confirm.return_question"),
    mark("confirm.return_button"),
    mark("confirm.reject_title"),
    mark("confirm.reject_question"),
    mark("confirm.reject_button"),
    mark("confirm.report_approve_question"),
    mark("confirm.report_approve_button"),
    mark("confirm.report_return_question"),
    mark("confirm.report_return_button"),
    mark("confirm.report_reject_question"),
    mark("confirm.report_reject_button"),
    # error.reason.*
    mark("error.reason.400"),
    mark("error.reason.403"),
    mark("error.reason.404"),
    mark("error.reason.405"),
    mark("error.reason.409"),
    mark("error.reason.413"),
    mark("error.reason.500"),
    mark("error.reason.503"),
    mark("error.reason.csrf"),
    mark("error.reason.idp"),
    mark("error.reason.login"),
    mark("error.reason.service"),
    # field.*
    mark("field.budget_source"),
    mark("field.budget_vnd"),
    mark("field.category"),
    mark("field.content"),
    mark("field.end_date"),
    mark("field.end_year"),
    mark("field.expected_output"),
    mark("field.lead_unit"),
    mark("field.partner_units"),
    mark("field.plan_type"),
    mark("field.quarter"),
    mark("field.recipients"),
    mark("field.start_date"),
    mark("field.summary"),
    mark("field.title"),
    mark("field.year"),
    # notice.*
    mark("notice.decision_approve"),
    mark("notice.decision_reject"),
    mark("notice.decision_return"),
    mark("notice.report_decision_approve"),
    mark("notice.report_decision_reject"),
    mark("notice.report_decision_return"),
    mark("notice.delegated"),
    mark("notice.saved"),
    mark("notice.submitted"),
    mark("notice.withdrawn"),
    # status.*
    mark("status.draft"),
    mark("status.approved"),
    mark("status.rejected"),
    mark("status.returned"),
    mark("status.submitted"),
    mark("status.withdrawn"),
    # timeline.*
    mark("timeline.cancelled"),
    mark("timeline.created"),
    # timeline.decision.*
    mark("timeline.decision.approve"),
    mark("timeline.decision.reject"),
    mark("timeline.decision.return"),
    # timeline.*
    mark("timeline.edited"),
    mark("timeline.rejected"),
    mark("timeline.returned"),
    mark("timeline.submitted"),
    mark("timeline.withdrawn"),
    # reports (report_pages.py, report templates): sections, results, notices, changes
    mark("report.conflict"),
    mark("report.replies_to"),
    mark("report.advantages"),
    mark("report.difficulties"),
    mark("report.strengths"),
    mark("report.weaknesses"),
    mark("report.causes"),
    mark("report.directions"),
    mark("report.proposals"),
    mark("report.result.done"),
    mark("report.result.partly_done"),
    mark("report.result.not_done"),
    mark("report.result.cancelled"),
    mark("report.result.carried_over"),
    mark("notice.report_started"),
    mark("notice.report_saved"),
    mark("notice.report_submitted"),
    mark("notice.report_withdrawn"),
    mark("notice.report_received"),
    mark("notice.report_rendering"),
    mark("timeline.received"),
    mark("report.changed_status"),
    mark("report.changed_done"),
    mark("report.changed_spent_vnd"),
    # the task inbox's, the history's, the notices' and the compliance states' keys built from a value
    mark("tasks.delegated_by.manual"),
    mark("tasks.delegated_by.out_of_office"),
    mark("notice.bulk_approved"),
    mark("notice.copied"),
    mark("notice.absence_recorded"),
    mark("notice.absence_ended"),
    mark("history.delegated.manual"),
    mark("history.delegated.out_of_office"),
    mark("compliance.not_started"),
    mark("compliance.draft"),
    mark("compliance.returned"),
    mark("compliance.rejected"),
    mark("compliance.submitted"),
    mark("compliance.approved"),
    mark("compliance.received"),
    # a plan's or report's confirmation step (views.confirm_transition), the call link, the timeline
    mark("confirm.submit_title"),
    mark("confirm.submit_question"),
    mark("confirm.submit_button"),
    mark("confirm.withdraw_title"),
    mark("confirm.withdraw_question"),
    mark("confirm.withdraw_button"),
    mark("confirm.report_submit_question"),
    mark("confirm.report_submit_button"),
    mark("confirm.report_withdraw_question"),
    mark("confirm.report_withdraw_button"),
    mark("notice.call_linked"),
    mark("timeline.imported"),
)
