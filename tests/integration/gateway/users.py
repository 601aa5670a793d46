"""The realm's demo users (infra/keycloak/realm-ttdn.json) as access-token claims."""

from __future__ import annotations

import uuid

from tests.support.orgs import province_of, unit_of
from tests.support.tokens import claims, sign

PROVINCES = ("cb", "bk", "kt", "ls", "qb", "tn")
# The demo users whose password-grant tokens the tests against the identity provider ask for.
PASSWORD = "ttdn2024"
DEMO_USERNAMES = [
    *(f"{kind}.{code}" for code in ("cb", "bk", "kt", "ls", "qb") for kind in ("drafter", "dept", "province")),
    "ministry.1",
    "ministry.2",
    "admin",
    "dual.cb",
    "drafter2.cb",
]

DEMO_USERS: dict[str, dict] = {}
for code in PROVINCES:
    for role, username in (
        ("drafter", f"drafter.{code}"),
        ("dept_approver", f"dept.{code}"),
        ("province_approver", f"province.{code}"),
    ):
        DEMO_USERS[username] = {"roles": [role], "org_unit": unit_of(username), "province": province_of(username)}
DEMO_USERS.update(
    {
        "ministry.1": {"roles": ["ministry_approver"], "org_unit": "cuc-ttcs-ttdn"},
        "ministry.2": {"roles": ["ministry_approver"], "org_unit": "cuc-ttcs-ttdn", "locale": "en"},
        "admin": {"roles": ["admin"], "org_unit": None, "province": None},
        "dual.cb": {"roles": ["drafter", "dept_approver"], "org_unit": "svhttdl-cao-bang", "province": "ubnd-cao-bang"},
        "drafter2.cb": {
            "roles": ["drafter"],
            "org_unit": "svhttdl-cao-bang",
            "province": "ubnd-cao-bang",
            "locale": "en",
        },
        # the national dashboard's service account (client-credentials grant)
        "service-account-ttdn-integrator-dashboard": {"roles": ["integrator"], "org_unit": None, "province": None},
    }
)

# One representative of each role, for the route-by-role matrix.
ROLE_REPRESENTATIVES = {
    "drafter": "drafter.cb",
    "dept_approver": "dept.cb",
    "province_approver": "province.cb",
    "ministry_approver": "ministry.1",
    "integrator": "service-account-ttdn-integrator-dashboard",
    "admin": "admin",
}


def subject_of(username: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ttdn/{username}"))


def token_for(username: str, **overrides: object) -> str:
    user = DEMO_USERS[username]
    service_account = username.startswith("service-account-")
    user_claims = {
        "sub": subject_of(username),
        "preferred_username": username,
        "azp": "ttdn-integrator-dashboard" if service_account else "ttdn-cli",
        "realm_access": {"roles": [*user["roles"], "default-roles-ttdn", "offline_access"]},
        "org_unit": user.get("org_unit"),
        "province": user.get("province"),
        "locale": user.get("locale", "vi"),
        "name": None if service_account else username,
    }
    return sign(claims(**{**user_claims, **overrides}))


def ops_headers() -> dict[str, str]:
    """The monitoring client's service account (realm role ``ops``): /metrics and /readyz detail."""
    token = sign(
        claims(
            sub=subject_of("service-account-ttdn-monitoring"),
            preferred_username="service-account-ttdn-monitoring",
            azp="ttdn-monitoring",
            realm_access={"roles": ["ops", "default-roles-ttdn"]},
            org_unit=None,
            province=None,
            name=None,
        )
    )
    return {"Authorization": f"Bearer {token}"}
