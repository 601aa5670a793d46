"""Settings from the environment, and the issuer they produce."""

from pathlib import Path

from devidp.config import Settings
from devidp.realm import DEFAULT_REALM_FILE


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert (settings.host, settings.port, settings.key_file, settings.code_lifespan) == ("127.0.0.1", 8080, None, None)
    assert settings.realm_file == DEFAULT_REALM_FILE
    assert DEFAULT_REALM_FILE.exists()
    assert settings.public_base == "http://127.0.0.1:8080"


def test_issuer_base_precedence() -> None:
    assert Settings.from_env({"KEYCLOAK_URL": "http://localhost:8080/"}).public_base == "http://localhost:8080"
    both = {"KEYCLOAK_URL": "http://localhost:8080", "DEVIDP_ISSUER_BASE": "http://idp.test"}
    assert Settings.from_env(both).public_base == "http://idp.test"
    wildcard = {"DEVIDP_HOST": "0.0.0.0", "DEVIDP_PORT": "9090"}  # noqa: S104 - the point of the test
    assert Settings.from_env(wildcard).public_base == "http://localhost:9090"


def test_everything_from_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "DEVIDP_REALM_FILE": str(tmp_path / "realm.json"),
            "DEVIDP_KEY_FILE": str(tmp_path / "keys.json"),
            "DEVIDP_CODE_LIFESPAN": "5",
        }
    )
    assert settings.realm_file == tmp_path / "realm.json"
    assert settings.key_file == tmp_path / "keys.json"
    assert settings.code_lifespan == 5
