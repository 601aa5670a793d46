"""The few Admin REST endpoints the services call through python-keycloak's KeycloakAdmin,
and the brute-force status of a user (read by tests and operators).

Read-only but for lifting a lockout, and authorised as Keycloak authorises them: a bearer token of the realm
whose user (usually the ``ttdn-services`` service account) holds ``realm-management``
roles -- query-users to search users, view-users to read them, view-realm to read roles
and their members (Keycloak's RolePermissions: reading a realm role needs view-realm).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from typing import Any

from flask import Blueprint, Response, abort, g, jsonify, request

from devidp.oidc import bearer_token
from devidp.provider import bind_realm, current
from devidp.realm import Role, User
from devidp.tokens import TokenInvalid

bp = Blueprint("admin", __name__, url_prefix="/admin/realms/<realm>")
bind_realm(bp, {"error": "Realm not found."})

DEFAULT_MAX_RESULTS = 100  # Keycloak's Constants.DEFAULT_MAX_RESULTS

QUERY_USERS = frozenset({"query-users", "view-users", "manage-users"})
VIEW_USERS = frozenset({"view-users", "manage-users"})
VIEW_REALM = frozenset({"view-realm", "manage-realm"})
LIST_ROLES = VIEW_REALM | {"query-users", "query-clients", "query-groups", "query-realms"}


def _error(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


@bp.before_request
def authenticate_admin() -> Response | None:
    idp = current()
    token = bearer_token()
    try:
        claims = idp.verify_access_token(token) if token else None
    except TokenInvalid:
        claims = None
    ctx = idp.active_context(claims) if claims else None
    if ctx is None:
        return _error(401, "HTTP 401 Unauthorized")
    g.admin_roles = frozenset(idp.realm.effective_client_roles(ctx.user).get("realm-management", ()))
    return None


def _allowed(roles: Iterable[str]) -> bool:
    return not g.admin_roles.isdisjoint(roles)


def _require(roles: Iterable[str]) -> None:
    if not _allowed(roles):
        abort(_error(403, "HTTP 403 Forbidden"))


def _flag(name: str, default: bool | None = None) -> bool | None:
    value = request.args.get(name)
    return default if value is None else value.strip().lower() == "true"


def _page(items: list[Any]) -> list[Any]:
    first = max(request.args.get("first", 0, type=int) or 0, 0)
    maximum = request.args.get("max", DEFAULT_MAX_RESULTS, type=int)
    if maximum is None or maximum < 0:
        maximum = DEFAULT_MAX_RESULTS
    return items[first : first + maximum]


# -- representations ---------------------------------------------------------------------


def user_representation(user: User, brief: bool) -> dict[str, Any]:
    """A UserRepresentation as Keycloak 26 serialises it (brief: without attributes and extras)."""
    rep: dict[str, Any] = {"id": user.id, "username": user.username}
    for key, value in (("firstName", user.first_name), ("lastName", user.last_name), ("email", user.email)):
        if value is not None:
            rep[key] = value
    rep["emailVerified"] = user.email_verified
    if not brief and user.attributes:
        rep["attributes"] = {k: list(v) for k, v in user.attributes.items()}
    rep["createdTimestamp"] = user.created_timestamp
    rep["enabled"] = user.enabled
    if user.service_account_client_id:
        rep["serviceAccountClientId"] = user.service_account_client_id
    if brief:
        return rep
    manage = _allowed({"manage-users"})
    rep.update(
        {
            "totp": False,
            "disableableCredentialTypes": [],
            "requiredActions": [],
            "notBefore": 0,
            "access": {
                "manageGroupMembership": manage,
                "view": _allowed(VIEW_USERS),
                "mapRoles": manage,
                "impersonate": _allowed({"impersonation"}),
                "manage": manage,
            },
        }
    )
    return rep


def role_representation(role: Role, container_id: str, brief: bool) -> dict[str, Any]:
    rep: dict[str, Any] = {"id": role.id, "name": role.name}
    if role.description is not None:
        rep["description"] = role.description
    rep.update({"composite": role.composite, "clientRole": role.client_id is not None, "containerId": container_id})
    if not brief:
        rep["attributes"] = {k: list(v) for k, v in role.attributes.items()}
    return rep


# -- user search ---------------------------------------------------------------------------


def _term_matcher(term: str) -> Callable[[str], bool]:
    """Keycloak's search syntax: prefix by default, ``*`` wildcards, ``"quoted"`` exact."""
    term = term.lower()
    if len(term) > 1 and term.startswith('"') and term.endswith('"'):
        exact = term[1:-1]
        return lambda value: value == exact
    pattern = term if "*" in term else term + "*"
    return lambda value: fnmatch.fnmatchcase(value, pattern)


def _search_fields(user: User) -> list[str]:
    return [v.lower() for v in (user.username, user.email, user.first_name, user.last_name) if v]


def _field_matches(actual: str | None, wanted: str, exact: bool) -> bool:
    # Field filters (username=, email=, ...) match a substring unless exact=true, ignoring case.
    actual, wanted = (actual or "").lower(), wanted.lower()
    return actual == wanted if exact else wanted in actual


def _matching_users() -> list[User]:
    """The users ``GET /users`` (and ``/users/count``) select, sorted by username."""
    users = list(current().realm.users)
    args = request.args
    enabled = _flag("enabled")
    if enabled is not None:
        users = [u for u in users if u.enabled == enabled]
    search = args.get("search")
    if search is not None and search.startswith("id:"):
        wanted = search[3:].strip()
        return [u for u in users if u.id == wanted]
    if search is not None:
        for term in search.split():
            if term != "*":
                match = _term_matcher(term)
                users = [u for u in users if any(match(f) for f in _search_fields(u))]
        # Keycloak leaves service accounts out of a free-text search and of the plain list...
        return sorted((u for u in users if not u.is_service_account), key=lambda u: u.username)
    field_filters = {"username": "username", "email": "email", "firstName": "first_name", "lastName": "last_name"}
    exact = _flag("exact", False)
    filtered = False
    for param, attribute in field_filters.items():
        value = args.get(param)
        if value is None:
            continue
        filtered = True
        users = [u for u in users if _field_matches(getattr(u, attribute), value, bool(exact))]
    email_verified = _flag("emailVerified")
    if email_verified is not None:
        filtered = True
        users = [u for u in users if u.email_verified == email_verified]
    for pair in (args.get("q") or "").split():
        name, _, value = pair.partition(":")
        filtered = True
        users = [u for u in users if value.lower() in (v.lower() for v in u.attributes.get(name, ()))]
    if not (filtered or args.get("exact") is not None or enabled is not None):
        users = [u for u in users if not u.is_service_account]  # ...but not out of a filtered one
    return sorted(users, key=lambda u: u.username)


# -- routes ----------------------------------------------------------------------------------


@bp.get("/users")
def users() -> Response:
    _require(QUERY_USERS)
    # Without view-users a query-only admin sees nobody (fine-grained permissions are not emulated).
    found = _matching_users() if _allowed(VIEW_USERS) else []
    brief = bool(_flag("briefRepresentation", False))
    return jsonify([user_representation(u, brief) for u in _page(found)])


@bp.get("/users/count")
def users_count() -> Response:
    _require(QUERY_USERS)
    return jsonify(len(_matching_users()) if _allowed(VIEW_USERS) else 0)


def _viewable_user(user_id: str) -> User:
    _require(VIEW_USERS)
    user = current().realm.user_by_id(user_id)
    if user is None:
        abort(_error(404, "User not found"))
    return user


@bp.get("/users/<user_id>")
def user(user_id: str) -> Response:
    return jsonify(user_representation(_viewable_user(user_id), brief=False))


@bp.get("/users/<user_id>/role-mappings/realm")
def user_realm_roles(user_id: str) -> Response:
    found = _viewable_user(user_id)
    realm = current().realm
    roles = [realm.realm_roles[name] for name in found.realm_roles if name in realm.realm_roles]
    return jsonify([role_representation(r, realm.id, brief=False) for r in roles])


@bp.get("/roles")
def roles() -> Response:
    _require(LIST_ROLES)
    realm = current().realm
    found = list(realm.realm_roles.values())
    search = request.args.get("search")
    if search:
        found = [r for r in found if search.lower() in r.name.lower()]
    brief = bool(_flag("briefRepresentation", True))
    return jsonify([role_representation(r, realm.id, brief) for r in _page(found)])


def _viewable_role(role_name: str) -> Role:
    _require(VIEW_REALM)
    role = current().realm.realm_role(role_name)
    if role is None:
        abort(_error(404, "Could not find role"))
    return role


@bp.get("/roles/<role_name>")
def role(role_name: str) -> Response:
    return jsonify(role_representation(_viewable_role(role_name), current().realm.id, brief=False))


@bp.get("/roles/<role_name>/users")
def role_users(role_name: str) -> Response:
    found = _viewable_role(role_name)
    brief = bool(_flag("briefRepresentation", False))
    members = sorted(current().realm.role_members(found), key=lambda u: u.username)
    return jsonify([user_representation(u, brief) for u in _page(members)])


# -- brute-force detection ------------------------------------------------------------------


@bp.get("/attack-detection/brute-force/users/<user_id>")
def brute_force_status(user_id: str) -> Response:
    """A user's login failures and whether they are locked out (Keycloak's AttackDetectionResource)."""
    _require(VIEW_USERS)
    return jsonify(current().brute_force.status(user_id))


@bp.delete("/attack-detection/brute-force/users/<user_id>")
def brute_force_clear(user_id: str) -> Response:
    """An administrator lifts a lockout."""
    _require({"manage-users"})
    current().brute_force.clear(user_id)
    return Response(status=204)
