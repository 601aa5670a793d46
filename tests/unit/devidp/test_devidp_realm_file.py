"""The realm export must import into a real Keycloak 26 and behave there as the devidp does.

Each test guards one of the traps listed in infra/devidp/README.md, "The realm file: choices that
matter to a real Keycloak".
"""

import json

import pytest
from devidp.realm import DEFAULT_REALM_FILE

STANDARD_SCOPES = {"basic", "profile", "email", "roles", "web-origins", "acr"}


@pytest.fixture(scope="module")
def export() -> dict:
    return json.loads(DEFAULT_REALM_FILE.read_text(encoding="utf-8"))


def test_realm_settings(export: dict) -> None:
    assert export["realm"] == "ttdn"
    assert export["enabled"] is True
    assert export["accessTokenLifespan"] == 300
    assert export["ssoSessionIdleTimeout"] == 1800


def test_realm_roles_have_vietnamese_descriptions(export: dict) -> None:
    roles = {r["name"]: r for r in export["roles"]["realm"]}
    for name in ("drafter", "dept_approver", "province_approver", "ministry_approver", "integrator", "admin"):
        assert roles[name]["description"]
    assert roles["default-roles-ttdn"]["composites"]["realm"] == ["offline_access", "uma_authorization"]
    assert export["defaultRole"]["name"] == "default-roles-ttdn"


def test_organisation_attributes_survive_the_user_profile(export: dict) -> None:
    # Keycloak 24+ silently drops undeclared attributes: org_unit and province are declared,
    # locale is the built-in attribute that exists when internationalisation is enabled.
    (component,) = export["components"]["org.keycloak.userprofile.UserProfileProvider"]
    (config_json,) = component["config"]["kc.user.profile.config"]
    declared = {a["name"] for a in json.loads(config_json)["attributes"]}
    assert {"username", "email", "firstName", "lastName", "org_unit", "province"} <= declared
    assert export["internationalizationEnabled"] is True
    assert set(export["supportedLocales"]) == {"vi", "en"}


def test_client_scopes_define_every_scope_clients_use(export: dict) -> None:
    # With a clientScopes array Keycloak creates no default scopes, so all must be here.
    defined = {s["name"] for s in export["clientScopes"]}
    for client in export["clients"]:
        assert set(client["defaultClientScopes"]) | set(client["optionalClientScopes"]) <= defined
    basic = next(s for s in export["clientScopes"] if s["name"] == "basic")
    assert [m["protocolMapper"] for m in basic["protocolMappers"]].count("oidc-sub-mapper") == 1


def test_clients_that_log_users_in_get_sub_and_the_api_audience(export: dict) -> None:
    for client in export["clients"]:
        if client["clientId"] == "ttdn-api":
            continue
        assert set(client["defaultClientScopes"]) >= STANDARD_SCOPES, client["clientId"]
        assert "ttdn-api-audience" in client["defaultClientScopes"], client["clientId"]
    scope = next(s for s in export["clientScopes"] if s["name"] == "ttdn-api-audience")
    audience = next(m for m in scope["protocolMappers"] if m["protocolMapper"] == "oidc-audience-mapper")
    assert audience["config"]["included.client.audience"] == "ttdn-api"
    assert audience["config"]["access.token.claim"] == "true"
    attributes = {
        m["config"]["user.attribute"]: m["config"]
        for m in scope["protocolMappers"]
        if m["protocolMapper"] == "oidc-usermodel-attribute-mapper"
    }
    assert set(attributes) == {"org_unit", "province", "locale", "position"}
    for config in attributes.values():
        for flag in ("access.token.claim", "id.token.claim", "userinfo.token.claim", "introspection.token.claim"):
            assert config[flag] == "true"


def test_client_flows(export: dict) -> None:
    clients = {c["clientId"]: c for c in export["clients"]}
    api = clients["ttdn-api"]
    assert api["publicClient"] is False
    assert not any(
        api[f]
        for f in ("standardFlowEnabled", "implicitFlowEnabled", "directAccessGrantsEnabled", "serviceAccountsEnabled")
    )
    web = clients["ttdn-web"]
    assert web["publicClient"] and web["standardFlowEnabled"] and not web["directAccessGrantsEnabled"]
    assert web["attributes"]["pkce.code.challenge.method"] == "S256"
    assert web["redirectUris"] == ["http://localhost:8000/*", "http://127.0.0.1:8000/*"]
    cli = clients["ttdn-cli"]
    assert cli["publicClient"] and cli["directAccessGrantsEnabled"]
    assert clients["ttdn-integrator-dashboard"]["secret"] == "dashboard-secret"
    assert clients["ttdn-services"]["secret"] == "services-secret"
    for name in ("ttdn-integrator-dashboard", "ttdn-services"):
        assert clients[name]["serviceAccountsEnabled"] and not clients[name]["publicClient"]


def test_human_users_can_use_the_password_grant(export: dict) -> None:
    # Missing names/e-mail or a temporary password make Keycloak answer "Account is not fully set up".
    humans = [u for u in export["users"] if "serviceAccountClientId" not in u]
    assert len(humans) == 23  # with the Thái Nguyên users of after the 2025 reorganisation
    for user in humans:
        assert user["firstName"] and user["lastName"] and user["email"], user["username"]
        assert user["emailVerified"] is True and user["enabled"] is True
        assert user["credentials"] == [{"type": "password", "value": "ttdn2024", "temporary": False}]
        assert user["requiredActions"] == []
        # position: the title a person signs under (issued documents), declared in the user profile.
        # province: none for a national body (the ministry's users), the province's registry id otherwise.
        assert set(user["attributes"]) - {"province"} == {"org_unit", "locale", "position"}
        # Imported users get no default roles unless the export lists them.
        assert "default-roles-ttdn" in user["realmRoles"]


def test_service_accounts(export: dict) -> None:
    accounts = {u["serviceAccountClientId"]: u for u in export["users"] if "serviceAccountClientId" in u}
    assert accounts["ttdn-integrator-dashboard"]["username"] == "service-account-ttdn-integrator-dashboard"
    assert "integrator" in accounts["ttdn-integrator-dashboard"]["realmRoles"]
    management = accounts["ttdn-services"]["clientRoles"]["realm-management"]
    # view-realm too: Keycloak requires it to read a realm role and its members.
    assert {"view-users", "query-users", "view-realm"} == set(management)
