"""Signing keys: Keycloak-style kid, persistence across restarts, rotation."""

import base64
import hashlib
import stat
from pathlib import Path

from cryptography import x509
from devidp.keys import KeyRing


def test_kid_is_the_sha256_of_the_public_key() -> None:
    key = KeyRing.generate("ttdn").active
    expected = base64.urlsafe_b64encode(hashlib.sha256(key.public_key_der).digest()).rstrip(b"=").decode()
    assert key.kid == expected
    assert base64.b64decode(key.public_key_b64) == key.public_key_der


def test_jwks_entry_shape() -> None:
    ring = KeyRing.generate("ttdn")
    (entry,) = ring.jwks()["keys"]
    assert {k: entry[k] for k in ("kid", "kty", "alg", "use")} == {
        "kid": ring.active.kid,
        "kty": "RSA",
        "alg": "RS256",
        "use": "sig",
    }
    assert "d" not in entry and "p" not in entry  # never the private parts
    cert = x509.load_der_x509_certificate(base64.b64decode(entry["x5c"][0]))
    assert cert.subject.rfc4514_string() == "CN=ttdn"


def test_keys_persist(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    ring = KeyRing.load_or_generate("ttdn", path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = KeyRing.load_or_generate("ttdn", path)
    assert again.active.kid == ring.active.kid
    assert again.hmac_key.export() == ring.hmac_key.export()


def test_rotation_keeps_old_keys_passive(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    ring = KeyRing.generate("ttdn", path)
    old = ring.active.kid
    new = ring.rotate().kid
    assert new != old
    assert [k.kid for k in ring.keys] == [new, old]
    assert [k["kid"] for k in KeyRing.load(path).jwks()["keys"]] == [new, old]
    ring.rotate(drop_old=True)
    assert len(ring.keys) == 1 and ring.find(old) is None
