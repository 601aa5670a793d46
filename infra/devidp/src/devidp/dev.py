"""Development-only extras, under ``/realms/{realm}/dev/`` so they cannot be mistaken for Keycloak's API.

``POST /realms/{realm}/dev/rotate-keys`` makes a new active signing key, as rotating
keys in Keycloak's admin console does: the previous keys stay published (passive), so
tokens they signed keep verifying while new tokens carry the new ``kid``.  With
``?drop_old=true`` the previous keys are removed, so their tokens stop verifying --
the way to test that a service refetches the JWKS and rejects what it no longer lists.
It needs no credentials: the devidp binds to loopback and is never deployed.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify, request

from devidp.provider import bind_realm, current

log = logging.getLogger(__name__)

bp = Blueprint("dev", __name__, url_prefix="/realms/<realm>/dev")
bind_realm(bp, {"error": "Realm does not exist", "error_description": "Realm does not exist"})


@bp.post("/rotate-keys")
def rotate_keys() -> Response:
    keys = current().keys
    drop_old = request.args.get("drop_old", "").lower() == "true"
    new_key = keys.rotate(drop_old=drop_old)
    log.info("signing key rotated: active kid %s%s", new_key.kid, ", previous keys dropped" if drop_old else "")
    return jsonify({"active": new_key.kid, "keys": [k.kid for k in keys.keys]})
