"""Settings of the plans service, from the environment (servicekit's, plus these)."""

from __future__ import annotations

from pydantic import Field
from servicekit.settings import ServiceSettings


class PlansSettings(ServiceSettings):
    service_name: str = "plans"
    database_url: str = "sqlite:///var/plans.db"
    # JSON naming, per organisation (registry id), another issuing body, symbol or number series
    # (see plans.domain.numbering.IssuingBodies.from_json); empty: the province's People's Committee
    # on the document's date, from the organisation registry.
    plans_issuers: str = ""
    plans_issuers_file: str = ""
    # JSON file replacing the activity categories and indicator units (plans.domain.catalogue).
    plans_catalogue_file: str = ""
    # How long POST /plans/{id}/withdraw waits for the approvals service's verdict before answering
    # 202 (the withdrawal then takes effect when the verdict arrives).
    plans_withdrawal_wait_seconds: float = 10.0
    port: int = 8001
    # Names of units and faces of issuing bodies on issued documents (plans.domain.organisations);
    # a JSON file extending the bundled defaults.
    plans_organisations_file: str = ""
    # Signing credentials: PEM files under this directory (see plans.documents.pki) ...
    document_pki_dir: str = "var/pki"
    # ... where a development CA issues any missing certificate. FOR DEVELOPMENT ONLY.
    document_development_pki: bool = False
    # ... or keys on a PKCS#11 token (HSM): module path, token label and user PIN.
    document_pkcs11_module: str = ""
    document_pkcs11_token: str = ""
    document_pkcs11_pin: str = ""
    # Comma-separated PEM files of the roots a verified document must chain to (default: the PKI dir's CA).
    document_trust_roots: str = ""
    # An RFC 3161 timestamp authority; empty: signatures carry the signer's own time only.
    document_tsa_url: str = ""
    renderer_poll_seconds: float = 1.0
    # The renderer is batch work beside interactive work: it runs at this niceness (0 to 19) so that
    # on a busy machine the decisions and pages keep the CPU and the documents wait a little.
    renderer_niceness: int = Field(default=10, ge=0, le=19)
    document_retry_after_seconds: int = 2
    # The verification upload limit (the API's other bodies keep MAX_BODY_BYTES).
    document_verify_max_bytes: int = 20 * 1_048_576
    # Calls: a province is reminded of a requested document this many working days before it is
    # due (once), by the reminder loop (`ttdn-plans reminders`) every CALL_REMINDER_POLL_SECONDS.
    call_reminder_working_days: int = 5
    call_reminder_poll_seconds: float = 300.0
