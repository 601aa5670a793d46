"""The realm's keys: RSA signing keys (published as JWKS) and the HMAC key for refresh tokens.

Like Keycloak's ``rsa-generated`` provider, a key's ``kid`` is the base64url SHA-256 of
its public key (SubjectPublicKeyInfo DER) and each key carries a self-signed certificate
(``CN=<realm>``) in ``x5c``.  Rotation makes a new key *active* and keeps the previous
ones *passive*: still published, so tokens they signed keep verifying, but no longer
used to sign.  Refresh tokens are HS512-signed with a separate secret, as in Keycloak.

With a key file the keys survive restarts, so tokens issued before a restart stay
valid.  The file holds private keys: it is written with mode 0600.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from jwcrypto import jwk

RSA_KEY_SIZE = 2048
_CERT_VALIDITY = dt.timedelta(days=3650)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class SigningKey:
    """One RSA key pair; ``jwk`` holds the private key."""

    jwk: jwk.JWK
    kid: str
    certificate: bytes  # DER

    @property
    def public_key_der(self) -> bytes:
        return self.jwk.get_op_key("verify").public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def public_key_b64(self) -> str:
        """Bare base64 DER, the ``public_key`` of Keycloak's realm info document."""
        return base64.b64encode(self.public_key_der).decode("ascii")

    def public_jwk(self) -> dict[str, Any]:
        """This key as a JWKS entry, in the shape Keycloak's certs endpoint publishes."""
        public = self.jwk.export_public(as_dict=True)
        return {
            "kid": self.kid,
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "n": public["n"],
            "e": public["e"],
            "x5c": [base64.b64encode(self.certificate).decode("ascii")],
            "x5t": _b64url(hashlib.sha1(self.certificate).digest()),  # noqa: S324 - x5t is SHA-1 by spec
            "x5t#S256": _b64url(hashlib.sha256(self.certificate).digest()),
        }

    def to_file_dict(self) -> dict[str, Any]:
        return {
            **self.jwk.export_private(as_dict=True),
            "kid": self.kid,
            "alg": "RS256",
            "use": "sig",
            "x5c": [base64.b64encode(self.certificate).decode("ascii")],
        }

    @classmethod
    def from_file_dict(cls, data: dict[str, Any]) -> SigningKey:
        params = {k: v for k, v in data.items() if k != "x5c"}
        key = jwk.JWK(**params)
        return cls(jwk=key, kid=data["kid"], certificate=base64.b64decode(data["x5c"][0]))

    @classmethod
    def generate(cls, realm_name: str) -> SigningKey:
        private = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_SIZE)
        spki = private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        kid = _b64url(hashlib.sha256(spki).digest())
        key = jwk.JWK.from_pyca(private)
        key.update(kid=kid, alg="RS256", use="sig")
        return cls(jwk=key, kid=kid, certificate=_self_signed_certificate(private, realm_name))


def _self_signed_certificate(private: rsa.RSAPrivateKey, common_name: str) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + _CERT_VALIDITY)
        .sign(private, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)


class KeyRing:
    """The active signing key, the passive ones, and the refresh-token HMAC key.  Thread-safe."""

    def __init__(self, realm_name: str, keys: list[SigningKey], hmac_key: jwk.JWK, path: Path | None = None) -> None:
        if not keys:
            raise ValueError("a key ring needs at least one signing key")
        self.realm_name = realm_name
        self._keys = list(keys)  # the first key is the active one
        self.hmac_key = hmac_key
        self.path = path
        self._lock = threading.Lock()

    # -- construction -----------------------------------------------------------------

    @classmethod
    def generate(cls, realm_name: str, path: Path | None = None) -> KeyRing:
        hmac_key = jwk.JWK.generate(kty="oct", size=512)
        hmac_key.update(kid=_b64url(os.urandom(16)), alg="HS512")
        ring = cls(realm_name, [SigningKey.generate(realm_name)], hmac_key, path)
        ring.save()
        return ring

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> KeyRing:
        path = Path(path)
        data = json.loads(path.read_text(encoding="utf-8"))
        keys = [SigningKey.from_file_dict(k) for k in data["keys"]]
        return cls(data["realm"], keys, jwk.JWK(**data["hmac"]), path)

    @classmethod
    def load_or_generate(cls, realm_name: str, path: str | os.PathLike[str] | None) -> KeyRing:
        """The keys in ``path`` if it exists, else new ones (saved there when a path is given)."""
        if path is not None and Path(path).exists():
            return cls.load(path)
        return cls.generate(realm_name, Path(path) if path is not None else None)

    # -- reading --------------------------------------------------------------------

    @property
    def active(self) -> SigningKey:
        with self._lock:
            return self._keys[0]

    @property
    def keys(self) -> tuple[SigningKey, ...]:
        with self._lock:
            return tuple(self._keys)

    def find(self, kid: str | None) -> SigningKey | None:
        return next((k for k in self.keys if k.kid == kid), None)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [k.public_jwk() for k in self.keys]}

    def verification_keys(self) -> jwk.JWKSet:
        """Public keys of every published key, for verifying tokens."""
        keyset = jwk.JWKSet()
        for key in self.keys:
            keyset.add(jwk.JWK(**key.public_jwk()))
        return keyset

    # -- changing ---------------------------------------------------------------------

    def rotate(self, drop_old: bool = False) -> SigningKey:
        """Make a new active key; the old ones stay published unless ``drop_old``."""
        new_key = SigningKey.generate(self.realm_name)
        with self._lock:
            self._keys = [new_key] if drop_old else [new_key, *self._keys]
        self.save()
        return new_key

    def save(self) -> None:
        if self.path is None:
            return
        with self._lock:
            document = {
                "realm": self.realm_name,
                "keys": [k.to_file_dict() for k in self._keys],
                "hmac": self.hmac_key.export(as_dict=True),
            }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Write-then-rename so a crash never leaves a half-written key file behind.
        fd, tmp = tempfile.mkstemp(prefix=".devidp-keys-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(document, fh, indent=2)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
