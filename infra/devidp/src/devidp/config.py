"""Settings, read once from the environment (each variable is documented in the README)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from devidp.realm import DEFAULT_REALM_FILE


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    realm_file: Path = DEFAULT_REALM_FILE
    issuer_base: str = ""  # empty: http://{host}:{port}
    key_file: Path | None = None
    code_lifespan: int | None = None  # None: the realm's accessCodeLifespan

    @property
    def public_base(self) -> str:
        """The base URL in ``iss`` and every advertised endpoint (like KC_HOSTNAME)."""
        if self.issuer_base:
            return self.issuer_base.rstrip("/")
        # A wildcard bind address is not something a client can call.
        host = "localhost" if self.host in ("0.0.0.0", "::", "") else self.host  # noqa: S104
        return f"http://{host}:{self.port}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        key_file = env.get("DEVIDP_KEY_FILE")
        code_lifespan = env.get("DEVIDP_CODE_LIFESPAN")
        return cls(
            host=env.get("DEVIDP_HOST", cls.host),
            port=int(env.get("DEVIDP_PORT", cls.port)),
            realm_file=Path(env.get("DEVIDP_REALM_FILE") or DEFAULT_REALM_FILE),
            # The suite's services expect iss = {KEYCLOAK_URL}/realms/ttdn; when the devidp
            # stands in for that Keycloak, its issuer follows the same variable.
            issuer_base=env.get("DEVIDP_ISSUER_BASE") or env.get("KEYCLOAK_URL", ""),
            key_file=Path(key_file) if key_file else None,
            code_lifespan=int(code_lifespan) if code_lifespan else None,
        )
