"""Signing credentials: a certificate and key per issuing body and per signer,
with the images Decree 30 (Appendix I) shows for each signature: the
signer's handwritten signature (blue, transparent) and the body's seal (red).

Two sources:
- :class:`FileCredentials`: PEM files under a directory (``DOCUMENT_PKI_DIR``).
  With ``development=True`` a missing certificate is issued on the spot by a
  development certificate authority kept in the same directory — FOR
  DEVELOPMENT ONLY: its certificates identify nobody and its images are drawn.
- :class:`Pkcs11Credentials`: keys and certificates on a PKCS#11 token or HSM
  (labels ``person:{username}`` and ``body:{code}``), as a real deployment uses.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

FONT_DIR = Path("/usr/share/fonts/truetype/croscore")
DEVELOPMENT_CA_NAME = "TTĐN Development CA - FOR DEVELOPMENT ONLY"
SIGNATURE_BLUE = (20, 50, 160, 255)
SEAL_RED = (205, 20, 30, 255)


@dataclass(frozen=True)
class Credential:
    """What one signature needs: pyHanko's signer (key and certificate) and the image shown."""

    signer: object  # pyhanko.sign.signers.Signer
    image: Image.Image
    certificate_pem: bytes


class SigningCredentials(Protocol):
    def person(self, username: str, full_name: str, organisation: str) -> Credential: ...

    def body(self, code: str, name: str) -> Credential: ...

    def trust_roots_pem(self) -> list[bytes]: ...


class MissingCredential(Exception):
    """No certificate or key for a signer or an issuing body."""


def _font(bold: bool = False, italic: bool = False, size: int = 40) -> ImageFont.FreeTypeFont:
    style = {(False, False): "Regular", (True, False): "Bold", (False, True): "Italic", (True, True): "BoldItalic"}
    return ImageFont.truetype(str(FONT_DIR / f"Tinos-{style[(bold, italic)]}.ttf"), size)


def draw_signature(full_name: str) -> Image.Image:
    """A development stand-in for a handwritten signature: the given name in italics with a flourish."""
    image = Image.new("RGBA", (600, 260), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    given = full_name.split()[-1] if full_name.split() else full_name
    draw.text((300, 110), given, font=_font(italic=True, size=110), fill=SIGNATURE_BLUE, anchor="mm")
    seed = int(hashlib.sha256(full_name.encode()).hexdigest()[:6], 16)
    points = [(60 + i * 8, 190 + 22 * math.sin(i / 7 + seed % 7) - i * 0.35) for i in range(62)]
    draw.line(points, fill=SIGNATURE_BLUE, width=6, joint="curve")
    return image


def draw_seal(name: str) -> Image.Image:
    """A development stand-in for a round seal: the body's name around the rim, a star inside."""
    size = 600
    image = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    c = size / 2
    draw.ellipse((8, 8, size - 8, size - 8), outline=SEAL_RED, width=14)
    draw.ellipse((120, 120, size - 120, size - 120), outline=SEAL_RED, width=5)
    text = name.upper()
    font = _font(bold=True, size=44)
    span = 300.0  # degrees of the rim the name runs over
    step = span / max(len(text), 1)
    for index, char in enumerate(text):
        angle = -150 + step * (index + 0.5)  # from lower left, over the top, to lower right
        glyph = Image.new("RGBA", (70, 70), (255, 255, 255, 0))
        ImageDraw.Draw(glyph).text((35, 35), char, font=font, fill=SEAL_RED, anchor="mm")
        glyph = glyph.rotate(-angle, resample=Image.Resampling.BICUBIC)
        radians = math.radians(angle - 90)
        x = c + 212 * math.cos(radians) - 35
        y = c + 212 * math.sin(radians) - 35
        image.alpha_composite(glyph, (int(x), int(y)))
    star = [
        (
            c + (95 if i % 2 == 0 else 38) * math.cos(math.radians(-90 + 36 * i)),
            c + (95 if i % 2 == 0 else 38) * math.sin(math.radians(-90 + 36 * i)),
        )
        for i in range(10)
    ]
    draw.polygon(star, fill=SEAL_RED)
    return image


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem_key(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def issue_certificate(
    ca_key: rsa.RSAPrivateKey,
    ca_cert: x509.Certificate,
    public_key: object,
    common_name: str,
    organisation: str,
    *,
    years: int = 5,
) -> x509.Certificate:
    """A document-signing certificate (digital signature and non-repudiation) from ``ca_cert``."""
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, organisation))
        .issuer_name(ca_cert.subject)
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)  # type: ignore[arg-type]
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def create_ca(common_name: str = DEVELOPMENT_CA_NAME) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = _key()
    now = datetime.now(UTC)
    name = _name(common_name, "TTĐN Plan Approval Suite (development)")
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * 10))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _safe(label: str) -> str:
    return "".join(char if char.isalnum() or char in "-._" else "_" for char in label)


def _file(base: Path, suffix: str) -> Path:
    """``people/province.cb`` + ``.cert.pem``: appended, never replacing what follows a dot in the label."""
    return base.with_name(base.name + suffix)


def _png(image: Image.Image) -> bytes:
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


class FileCredentials:
    """``{dir}/ca.cert.pem``; ``{dir}/people/{username}.{key,cert}.pem`` and ``.png`` (signature);
    ``{dir}/bodies/{code}.{key,cert}.pem`` and ``.png`` (seal)."""

    def __init__(self, directory: str | Path, *, development: bool = False) -> None:
        self.directory = Path(directory)
        self.development = development
        self.extra_roots: list[bytes] = []
        self._lock = threading.Lock()
        self._loaded: dict[tuple[str, str], Credential] = {}  # keys parsed once per process

    @property
    def ca_cert_path(self) -> Path:
        return self.directory / "ca.cert.pem"

    def ensure_ca(self) -> bool:
        """Create the development CA if there is none; True when it was created now."""
        with self._lock:
            if self.ca_cert_path.exists():
                return False
            self.directory.mkdir(parents=True, exist_ok=True)
            key, cert = create_ca()
            (self.directory / "ca.key.pem").write_bytes(_pem_key(key))
            (self.directory / "ca.key.pem").chmod(0o600)
            self.ca_cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
            (self.directory / "README.txt").write_text(
                "FOR DEVELOPMENT ONLY. A certificate authority made by the TTĐN suite on this machine, with a\n"
                "certificate per issuing body and per signer and drawn signature and seal images. Documents\n"
                "signed with these identify nobody; a real deployment signs with keys on a PKCS#11 token or HSM.\n",
                encoding="utf-8",
            )
            log.warning(
                "created a development certificate authority (FOR DEVELOPMENT ONLY)", extra={"dir": str(self.directory)}
            )
            return True

    def _issue(self, folder: str, label: str, common_name: str, organisation: str, image: Image.Image) -> None:
        self.ensure_ca()
        ca_key = serialization.load_pem_private_key((self.directory / "ca.key.pem").read_bytes(), password=None)
        ca_cert = x509.load_pem_x509_certificate(self.ca_cert_path.read_bytes())
        key = _key()
        cert = issue_certificate(ca_key, ca_cert, key.public_key(), common_name, organisation)  # type: ignore[arg-type]
        base = self.directory / folder / _safe(label)
        base.parent.mkdir(parents=True, exist_ok=True)
        _file(base, ".key.pem").write_bytes(_pem_key(key))
        _file(base, ".key.pem").chmod(0o600)
        _file(base, ".cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        _file(base, ".png").write_bytes(_png(image))
        log.warning(
            "issued a development certificate (FOR DEVELOPMENT ONLY)", extra={"subject": common_name, "dir": str(base)}
        )

    def _load(self, folder: str, label: str, common_name: str, organisation: str, draw: object) -> Credential:
        loaded = self._loaded.get((folder, label))
        if loaded is not None:
            return loaded
        credential = self._read(folder, label, common_name, organisation, draw)
        self._loaded[(folder, label)] = credential
        return credential

    def _read(self, folder: str, label: str, common_name: str, organisation: str, draw: object) -> Credential:
        from pyhanko.sign.signers import SimpleSigner

        base = self.directory / folder / _safe(label)
        if not _file(base, ".cert.pem").exists():
            if not self.development:
                raise MissingCredential(f"no certificate in {folder}/ for {label}")
            self._issue(folder, label, common_name, organisation, draw())  # type: ignore[operator]
        signer = SimpleSigner.load(
            str(_file(base, ".key.pem")),
            str(_file(base, ".cert.pem")),
            ca_chain_files=(str(self.ca_cert_path),) if self.ca_cert_path.exists() else (),
        )
        if signer is None:
            raise MissingCredential(f"cannot read the key or certificate of {label}")
        image_path = _file(base, ".png")
        image = Image.open(image_path).convert("RGBA") if image_path.exists() else draw()  # type: ignore[operator]
        return Credential(signer=signer, image=image, certificate_pem=_file(base, ".cert.pem").read_bytes())

    def person(self, username: str, full_name: str, organisation: str) -> Credential:
        return self._load("people", username, full_name, organisation, lambda: draw_signature(full_name))

    def body(self, code: str, name: str) -> Credential:
        return self._load("bodies", code, name, name, lambda: draw_seal(name))

    def trust_roots_pem(self) -> list[bytes]:
        own = [self.ca_cert_path.read_bytes()] if self.ca_cert_path.exists() else []
        return own + list(self.extra_roots)


class Pkcs11Credentials:
    """Keys that never leave a PKCS#11 token (an HSM in production; SoftHSM in the tests).
    Key and certificate objects are labelled ``person:{username}`` and ``body:{code}``;
    the signature and seal images come from ``images_dir`` (``{label}.png``)."""

    def __init__(
        self, module: str, token_label: str, pin: str, images_dir: str | Path, trust_roots: list[bytes]
    ) -> None:
        self.module = module
        self.token_label = token_label
        self.pin = pin
        self.images_dir = Path(images_dir)
        self._trust_roots = trust_roots
        self._session: object | None = None
        self._lock = threading.Lock()

    def _open(self) -> object:
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign.pkcs11 import open_pkcs11_session

        with self._lock:
            if self._session is None:
                self._session = open_pkcs11_session(
                    self.module, token_criteria=TokenCriteria(label=self.token_label), user_pin=self.pin
                )
            return self._session

    def _credential(self, label: str, image: Image.Image) -> Credential:
        from pyhanko.sign.pkcs11 import PKCS11Signer

        signer = PKCS11Signer(self._open(), cert_label=label, key_label=label)  # type: ignore[arg-type]
        try:
            certificate = signer.signing_cert
        except Exception as error:  # the token has no such object
            raise MissingCredential(f"no certificate labelled {label!r} on the token") from error
        path = self.images_dir / f"{_safe(label)}.png"
        if path.exists():
            image = Image.open(path).convert("RGBA")
        return Credential(signer=signer, image=image, certificate_pem=certificate.dump())

    def person(self, username: str, full_name: str, organisation: str) -> Credential:
        return self._credential(f"person:{username}", draw_signature(full_name))

    def body(self, code: str, name: str) -> Credential:
        return self._credential(f"body:{code}", draw_seal(name))

    def trust_roots_pem(self) -> list[bytes]:
        return list(self._trust_roots)
