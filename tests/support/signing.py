"""Real signing infrastructure for tests, on this machine: a SoftHSM token holding
keys and certificates (the PKCS#11 path a deployment's HSM takes), and an RFC 3161
timestamp authority over HTTP on loopback (pyHanko's own test TSA behind http.server)."""

from __future__ import annotations

import os
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SOFTHSM_MODULE = next(
    (
        path
        for path in ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
        if Path(path).exists()
    ),
    "",
)
PIN, SO_PIN = "123456", "12345678"


def softhsm_token(directory: Path, label: str = "ttdn-test") -> dict[str, str]:
    """An initialised SoftHSM token of its own (its own config and token directory)."""
    (directory / "tokens").mkdir(parents=True, exist_ok=True)
    config = directory / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {directory / 'tokens'}\nobjectstore.backend = file\n")
    env = {**os.environ, "SOFTHSM2_CONF": str(config)}
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", PIN, "--so-pin", SO_PIN],
        check=True,
        capture_output=True,
        env=env,
    )
    os.environ["SOFTHSM2_CONF"] = str(config)  # the module reads it when loaded in this process
    return {"module": SOFTHSM_MODULE, "token": label, "pin": PIN}


def put_on_token(token: dict[str, str], label: str, key: rsa.RSAPrivateKey, certificate: x509.Certificate) -> None:
    """Store a private key (not extractable) and its certificate under ``label``."""
    import pkcs11
    from pkcs11 import Attribute, ObjectClass
    from pkcs11.util.rsa import decode_rsa_private_key
    from pkcs11.util.x509 import decode_x509_certificate

    lib = pkcs11.lib(token["module"])
    with lib.get_token(token_label=token["token"]).open(user_pin=token["pin"], rw=True) as session:
        der = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
        identifier = label.encode()
        attributes = decode_rsa_private_key(der)
        attributes.update(
            {
                Attribute.LABEL: label,
                Attribute.ID: identifier,
                Attribute.TOKEN: True,
                Attribute.PRIVATE: True,
                Attribute.SENSITIVE: True,
                Attribute.EXTRACTABLE: False,
                Attribute.SIGN: True,
            }
        )
        session.create_object(attributes)
        cert_attributes = decode_x509_certificate(certificate.public_bytes(serialization.Encoding.DER))
        cert_attributes.update(
            {
                Attribute.LABEL: label,
                Attribute.ID: identifier,
                Attribute.TOKEN: True,
                Attribute.CLASS: ObjectClass.CERTIFICATE,
            }
        )
        session.create_object(cert_attributes)


class LocalTsa:
    """An RFC 3161 timestamp authority on 127.0.0.1 (pyHanko's DummyTimeStamper answers)."""

    def __init__(self, ca_key: rsa.RSAPrivateKey, ca_cert: x509.Certificate) -> None:
        from asn1crypto import keys as asn1_keys
        from asn1crypto import x509 as asn1_x509
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TTĐN test TSA")]))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .sign(ca_key, hashes.SHA256())
        )
        self.stamper = DummyTimeStamper(
            tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
            tsa_key=asn1_keys.PrivateKeyInfo.load(
                key.private_bytes(
                    serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            ),
            certs_to_embed=[asn1_x509.Certificate.load(ca_cert.public_bytes(serialization.Encoding.DER))],
        )
        self.requests = 0
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                from asn1crypto import tsp

                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                answer = tsa.stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
                tsa.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsa"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
