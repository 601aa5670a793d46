"""Settings of the plans service, from the environment (servicekit's, plus these)."""

from __future__ import annotations

from servicekit.settings import ServiceSettings


class PlansSettings(ServiceSettings):
    service_name: str = "plans"
    database_url: str = "sqlite:///var/plans.db"
    # JSON mapping organisation units to their issuing bodies and provinces to place names
    # (see plans.domain.numbering.IssuingBodies.from_json); empty: the seeds' default rule.
    plans_issuers: str = ""
    plans_issuers_file: str = ""
    # JSON file replacing the activity categories and indicator units (plans.domain.catalogue).
    plans_catalogue_file: str = ""
    # How long POST /plans/{id}/withdraw waits for the approvals service's verdict before answering
    # 202 (the withdrawal then takes effect when the verdict arrives).
    plans_withdrawal_wait_seconds: float = 10.0
    port: int = 8001
