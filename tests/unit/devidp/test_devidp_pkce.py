"""PKCE (RFC 7636) checks."""

from devidp import pkce

# RFC 7636 appendix B.
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_s256_matches_the_rfc_example() -> None:
    assert pkce.s256_challenge(VERIFIER) == CHALLENGE
    assert pkce.verify(VERIFIER, CHALLENGE, "S256")


def test_wrong_verifier_fails() -> None:
    assert not pkce.verify(VERIFIER[:-1] + "A", CHALLENGE, "S256")


def test_plain_method() -> None:
    assert pkce.verify(VERIFIER, VERIFIER, "plain")
    assert not pkce.verify(VERIFIER, CHALLENGE, "plain")


def test_verifier_must_be_43_to_128_unreserved_characters() -> None:
    assert not pkce.is_well_formed("a" * 42)
    assert pkce.is_well_formed("a" * 43)
    assert pkce.is_well_formed("a" * 128)
    assert not pkce.is_well_formed("a" * 129)
    assert not pkce.is_well_formed("a" * 42 + "+")
    assert not pkce.verify("short", pkce.s256_challenge("short"), "S256")
