"""Reading the realm file into the model the token service works from."""

import pytest
from devidp.realm import (
    DEFAULT_REALM_FILE,
    InvalidScope,
    Realm,
    RealmError,
    load_realm,
    parse_realm,
    resolve_placeholders,
    stable_id,
)

from tests.support.orgs import province_of, unit_of

PROVINCES = ("cb", "bk", "kt", "ls", "qb", "tn")


@pytest.fixture(scope="module")
def realm() -> Realm:
    return load_realm(DEFAULT_REALM_FILE)


def test_demo_users_per_province(realm: Realm) -> None:
    for code in PROVINCES:
        drafter = realm.user_by_username(f"drafter.{code}")
        dept = realm.user_by_username(f"dept.{code}")
        governor = realm.user_by_username(f"province.{code}")
        province = province_of(f"province.{code}")
        # Registry ids: the department doing external information today, the province's People's Committee.
        assert drafter.attribute("org_unit") == dept.attribute("org_unit") == (unit_of(f"drafter.{code}"),)
        assert drafter.attribute("org_unit")[0].startswith("svhttdl-")
        assert governor.attribute("org_unit") == (province,) and province.startswith("ubnd-")
        assert {drafter.attribute("province"), dept.attribute("province"), governor.attribute("province")} == {
            (province,)
        }
        assert "drafter" in realm.effective_realm_roles(drafter)
        assert "dept_approver" in realm.effective_realm_roles(dept)
        assert "province_approver" in realm.effective_realm_roles(governor)


def test_ministry_admin_and_special_users(realm: Realm) -> None:
    for name in ("ministry.1", "ministry.2", "admin"):
        user = realm.user_by_username(name)
        assert user.attribute("org_unit") == ("cuc-ttcs-ttdn",)
        assert user.attribute("province") == ()
    assert {"drafter", "dept_approver"} <= set(realm.effective_realm_roles(realm.user_by_username("dual.cb")))
    assert realm.user_by_username("drafter2.cb").attribute("locale") == ("en",)
    assert realm.user_by_username("ministry.2").attribute("locale") == ("en",)
    assert realm.user_by_username("ministry.1").attribute("locale") == ("vi",)


def test_names_keep_their_diacritics(realm: Realm) -> None:
    user = realm.user_by_username("drafter.qb")
    assert (user.first_name, user.last_name) == ("Thị Ngọc", "Đặng")


def test_user_ids_are_stable(realm: Realm) -> None:
    user = realm.user_by_username("dept.cb")
    assert user.id == stable_id("ttdn", "user", "dept.cb")
    assert realm.user_by_id(user.id) is user


def test_login_by_username_or_email_ignores_case(realm: Realm) -> None:
    assert realm.user_by_login("Drafter.CB").username == "drafter.cb"
    assert realm.user_by_login("drafter.cb@cb.ttdn.example").username == "drafter.cb"
    assert realm.user_by_login("service-account-ttdn-services") is None  # service accounts never log in


def test_default_roles_expand_like_keycloak(realm: Realm) -> None:
    user = realm.user_by_username("drafter.cb")
    assert set(realm.effective_realm_roles(user)) == {
        "default-roles-ttdn",
        "offline_access",
        "uma_authorization",
        "drafter",
    }
    # The built-in account client's roles come through default-roles-ttdn, composites included.
    assert set(realm.effective_client_roles(user)["account"]) == {
        "view-profile",
        "manage-account",
        "manage-account-links",
    }


def test_realm_management_composites(realm: Realm) -> None:
    services = realm.service_account_user("ttdn-services")
    assert set(realm.effective_client_roles(services)["realm-management"]) == {
        "view-users",
        "query-users",
        "query-groups",
        "view-realm",
    }


def test_role_members_are_direct_holders(realm: Realm) -> None:
    members = {u.username for u in realm.role_members(realm.realm_role("dept_approver"))}
    assert members == {"dept.cb", "dept.bk", "dept.kt", "dept.ls", "dept.qb", "dept.tn", "dual.cb"}


def test_scopes_default_and_optional(realm: Realm) -> None:
    client = realm.client("ttdn-cli")
    applied = realm.resolve_scopes(client, "openid")
    assert applied.scope_claim == "openid profile email"
    assert applied.openid
    assert [s.name for s in applied.scopes][:2] == ["basic", "profile"]
    assert realm.resolve_scopes(client, "").scope_claim == "profile email"
    assert "offline_access" in realm.resolve_scopes(client, "openid offline_access").scope_claim
    with pytest.raises(InvalidScope, match="Invalid scopes: openid nonsense"):
        realm.resolve_scopes(client, "openid nonsense")


def test_redirect_uri_rules(realm: Realm) -> None:
    web = realm.client("ttdn-web")
    assert web.accepts_redirect_uri("http://localhost:8000/callback")
    assert web.accepts_redirect_uri("http://127.0.0.1:8000/")
    assert not web.accepts_redirect_uri("http://localhost:8001/callback")
    assert not web.accepts_redirect_uri("https://evil.example/?http://localhost:8000/")
    assert web.accepts_post_logout_redirect_uri("http://localhost:8000/")
    assert web.allowed_origins() == ["http://localhost:8000", "http://127.0.0.1:8000"]


def _minimal(**extra: object) -> dict:
    rep = {
        "realm": "demo",
        "clientScopes": [{"name": "basic", "protocol": "openid-connect", "protocolMappers": []}],
        "defaultDefaultClientScopes": ["basic"],
        "clients": [{"clientId": "svc", "publicClient": False, "secret": "s", "serviceAccountsEnabled": True}],
        "roles": {"realm": [{"name": "default-roles-demo"}]},
    }
    rep.update(extra)
    return rep


def test_missing_service_account_users_are_created_as_keycloak_does() -> None:
    realm = parse_realm(_minimal())
    user = realm.service_account_user("svc")
    assert user.username == "service-account-svc"
    assert user.realm_roles == ("default-roles-demo",)
    # A client naming no scopes gets the realm defaults.
    assert realm.client("svc").default_scopes == ("basic",)


def test_undefined_scope_is_an_error() -> None:
    rep = _minimal(clients=[{"clientId": "web", "defaultClientScopes": ["basic", "roles"]}])
    with pytest.raises(RealmError, match="undefined client scope 'roles'"):
        parse_realm(rep)


def test_export_without_client_scopes_is_refused() -> None:
    rep = _minimal()
    del rep["clientScopes"]
    with pytest.raises(RealmError, match="clientScopes"):
        parse_realm(rep)


def test_placeholders_resolve_like_keycloak_import() -> None:
    document = {"secret": "${SVC_SECRET}", "fallback": "${MISSING:dev}", "message": "${role_default-roles}"}
    assert resolve_placeholders(document, {"SVC_SECRET": "s3cret"}) == {
        "secret": "s3cret",
        "fallback": "dev",
        "message": "${role_default-roles}",
    }
