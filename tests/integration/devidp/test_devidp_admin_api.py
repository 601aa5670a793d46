"""python-keycloak's KeycloakAdmin, as the services use it, against the devidp's Admin REST paths."""

import json

import pytest
import requests
from devidp.realm import load_realm
from keycloak.exceptions import KeycloakGetError


@pytest.fixture(scope="module")
def admin(devidp):
    return devidp.admin()


def test_get_users(admin) -> None:
    users = admin.get_users()
    names = {u["username"] for u in users}
    assert len(users) == 23 and {"drafter.cb", "ministry.1", "admin"} <= names
    assert not any(n.startswith("service-account-") for n in names)  # left out of the plain list, as in Keycloak
    drafter = next(u for u in users if u["username"] == "drafter.cb")
    assert drafter["attributes"] == {
        "org_unit": ["svhttdl-cao-bang"],
        "province": ["ubnd-cao-bang"],
        "locale": ["vi"],
        "position": ["Chuyên viên"],  # the realm's position attribute, read by the directory for signers
    }
    assert drafter["firstName"] == "Thị Hoa" and drafter["email"] == "drafter.cb@cb.ttdn.example"
    assert drafter["enabled"] is True and drafter["emailVerified"] is True


def test_search_and_filters(admin) -> None:
    assert [u["username"] for u in admin.get_users({"search": "dept."})][:2] == ["dept.bk", "dept.cb"]
    assert [u["username"] for u in admin.get_users({"q": "org_unit:ubnd-cao-bang"})] == ["province.cb"]
    exact = admin.get_users({"username": "dept.cb", "exact": True})
    assert [u["username"] for u in exact] == ["dept.cb"]
    assert admin.get_user_id("service-account-ttdn-integrator-dashboard")  # filtered lists include them
    brief = admin.get_users({"email": "ministry.2@bvhttdl.ttdn.example", "briefRepresentation": True})
    assert len(brief) == 1 and "attributes" not in brief[0]
    assert admin.users_count() == 23
    assert len(admin.get_users({"first": 5, "max": 3})) == 3


def test_get_user_and_realm_roles(admin) -> None:
    user_id = load_realm().user_by_username("dual.cb").id
    user = admin.get_user(user_id)
    assert user["id"] == user_id and user["attributes"]["org_unit"] == ["svhttdl-cao-bang"]
    assert user["access"]["view"] is True and user["access"]["manage"] is False
    roles = {r["name"] for r in admin.get_realm_roles_of_user(user_id)}
    assert {"drafter", "dept_approver", "default-roles-ttdn"} == roles


def test_realm_role_members_with_attributes(admin) -> None:
    members = admin.get_realm_role_members("dept_approver")
    assert [m["username"] for m in members] == [
        "dept.bk",
        "dept.cb",
        "dept.kt",
        "dept.ls",
        "dept.qb",
        "dept.tn",
        "dual.cb",
    ]
    assert all(m["attributes"]["org_unit"] for m in members)
    assert {m["email"] for m in members if m["attributes"]["province"] == ["ubnd-cao-bang"]} == {
        "dept.cb@cb.ttdn.example",
        "dual.cb@cb.ttdn.example",
    }


def test_roles(admin) -> None:
    names = {r["name"] for r in admin.get_realm_roles()}
    assert {
        "drafter",
        "dept_approver",
        "province_approver",
        "ministry_approver",
        "integrator",
        "admin",
        "ops",
        "default-roles-ttdn",
        "offline_access",
        "uma_authorization",
    } == names
    role = admin.get_realm_role("ministry_approver")
    assert role["description"] and role["clientRole"] is False and role["attributes"] == {}


def test_not_found(admin) -> None:
    with pytest.raises(KeycloakGetError) as missing:
        admin.get_user("00000000-0000-0000-0000-000000000000")
    assert missing.value.response_code == 404
    assert json.loads(missing.value.response_body) == {"error": "User not found"}
    with pytest.raises(KeycloakGetError) as missing_role:
        admin.get_realm_role("no-such-role")
    assert missing_role.value.response_code == 404


def test_admin_api_needs_realm_management_roles(devidp) -> None:
    url = f"{devidp.base_url}/admin/realms/ttdn/users"
    assert requests.get(url, timeout=5).status_code == 401
    user_token = devidp.openid().token("admin", "ttdn2024")["access_token"]
    refused = requests.get(url, headers={"Authorization": f"Bearer {user_token}"}, timeout=5)
    assert (refused.status_code, refused.json()) == (403, {"error": "HTTP 403 Forbidden"})
    integrator = devidp.openid("ttdn-integrator-dashboard", "dashboard-secret").token(grant_type="client_credentials")[
        "access_token"
    ]
    members = f"{devidp.base_url}/admin/realms/ttdn/roles/drafter/users"
    assert requests.get(members, headers={"Authorization": f"Bearer {integrator}"}, timeout=5).status_code == 403
