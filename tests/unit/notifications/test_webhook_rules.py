"""Webhook rules of the domain: where deliveries may go, which events a
subscription receives, how retries back off, and the signing secret."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from notifications.adapters.http import signed_headers
from notifications.domain.errors import UnsafeWebhookTarget
from notifications.domain.webhooks import RetryPolicy, Subscription, TargetPolicy, new_signing_secret
from notifications.testing import sample_event_data
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

PUBLIC = {"egov.caobang.gov.vn": ["203.162.10.20"], "dashboard.bvhttdl.gov.vn": ["2001:ee0:100::25"]}


def resolve(host: str) -> list[str]:
    answers = {**PUBLIC, "intranet.caobang.local": ["10.20.0.5"], "rebind.example": ["203.162.10.21", "127.0.0.1"]}
    if host not in answers:
        raise OSError("Name or service not known")
    return answers[host]


@pytest.mark.parametrize(
    "url",
    [
        "https://egov.caobang.gov.vn/ttdn/hooks",
        "http://egov.caobang.gov.vn:8443/x?y=1",
        "https://dashboard.bvhttdl.gov.vn/",
    ],
)
def test_public_http_and_https_targets_are_accepted(url: str) -> None:
    assert TargetPolicy().check(url, resolve) == url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://egov.caobang.gov.vn/hooks", "only http and https"),
        ("javascript:alert(1)", "only http and https"),
        ("https://admin:secret@egov.caobang.gov.vn/hooks", "credentials"),
        ("https:///nohost", "no host"),
        ("http://127.0.0.1:8080/hooks", "non-public"),
        ("http://localhost.:8080/hooks", "cannot be resolved"),
        ("http://[::1]/hooks", "non-public"),
        ("http://169.254.169.254/latest/meta-data", "non-public"),
        ("http://10.20.0.5/hooks", "non-public"),
        ("http://192.168.1.10/hooks", "non-public"),
        ("http://intranet.caobang.local/hooks", "non-public"),
        ("http://rebind.example/hooks", "non-public"),
        ("http://224.0.0.1/hooks", "multicast"),
        ("http://unknown.invalid/hooks", "cannot be resolved"),
        ("http://egov.caobang.gov.vn:99999/", "not a valid URL"),
    ],
)
def test_unsafe_targets_are_refused_with_a_reason(url: str, reason: str) -> None:
    with pytest.raises(UnsafeWebhookTarget) as refused:
        TargetPolicy().check(url, resolve)
    assert reason in refused.value.reason


def test_the_allow_list_admits_named_hosts_and_networks() -> None:
    policy = TargetPolicy(allowed=("127.0.0.1", "10.20.0.0/16", "intranet.caobang.local"))
    assert policy.check("http://127.0.0.1:9000/hooks", resolve)
    assert policy.check("http://10.20.0.5/hooks", resolve)
    assert policy.check("http://intranet.caobang.local/hooks", resolve)
    with pytest.raises(UnsafeWebhookTarget):
        policy.check("http://192.168.1.10/hooks", resolve)


def subscription(province: str | None = None) -> Subscription:
    return Subscription(
        id="s1",
        owner="ttdn-integrator-dashboard",
        url="https://dashboard.bvhttdl.gov.vn/",
        event_types=("plan.approved", "approval.completed"),
        province=province,
        secret=new_signing_secret(),
        created_at=datetime(2024, 1, 1, tzinfo=UTC),
    )


def test_a_subscription_receives_its_event_types_of_its_province_only() -> None:
    cao_bang = sample_event_data("plan.approved")
    assert subscription().wants("plan.approved", cao_bang)
    assert subscription("ubnd-cao-bang").wants("plan.approved", cao_bang)
    assert not subscription("ubnd-quang-tri-2025").wants("plan.approved", cao_bang)
    assert not subscription().wants("approval.task_assigned", sample_event_data("approval.task_assigned"))


def test_backoff_grows_exponentially_under_a_cap_with_full_jitter() -> None:
    policy = RetryPolicy(base_seconds=5, cap_seconds=3600, give_up_after_seconds=86400)
    highest = [policy.delay(n, rng=lambda low, high: high) for n in range(1, 12)]
    assert highest[:5] == [5, 10, 20, 40, 80]
    assert highest[-1] == 3600
    assert all(policy.delay(n, rng=lambda low, high: low) == 0 for n in range(1, 5))
    assert policy.delay(10_000, rng=lambda low, high: high) == 3600  # no overflow on absurd counts


def test_retries_stop_at_the_give_up_time() -> None:
    policy = RetryPolicy(base_seconds=60, cap_seconds=3600, give_up_after_seconds=300)
    created = datetime(2024, 1, 17, 8, 0, tzinfo=UTC)
    give_up = policy.give_up_at(created)
    late_retry = policy.next_attempt_at(created + timedelta(seconds=290), 3, give_up, rng=lambda low, high: high)
    assert late_retry == give_up  # never scheduled beyond the give-up time
    assert policy.next_attempt_at(give_up, 4, give_up) is None


def test_the_signing_secret_is_a_standard_webhooks_secret_that_a_receiver_can_verify() -> None:
    secret = new_signing_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    body = '{"specversion":"1.0","type":"vn.ttdn.plan.approved","data":{"title":"Kế hoạch TTĐN năm 2024"}}'
    headers = signed_headers(secret, "evt-1", body, datetime.now(UTC))
    assert Webhook(secret).verify(body, headers)["data"]["title"] == "Kế hoạch TTĐN năm 2024"
    with pytest.raises(WebhookVerificationError):
        Webhook(new_signing_secret()).verify(body, headers)


@pytest.mark.parametrize(
    ("url", "reaches"),
    [
        ("http://[64:ff9b::7f00:1]/hooks", "127.0.0.1"),  # NAT64, well-known prefix
        ("http://[64:ff9b::a14:5]/hooks", "10.20.0.5"),
        ("http://[2002:7f00:1::]/hooks", "127.0.0.1"),  # 6to4
        ("http://[2002:a9fe:a9fe::1]/hooks", "169.254.169.254"),
        ("http://[::127.0.0.1]/hooks", "127.0.0.1"),  # IPv4-compatible
        ("http://[::ffff:127.0.0.1]/hooks", "127.0.0.1"),  # IPv4-mapped
        ("http://[::ffff:a9fe:a9fe]/hooks", "169.254.169.254"),
        ("http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hooks", "127.0.0.1"),  # Teredo client
    ],
)
def test_ipv6_addresses_that_embed_an_ipv4_one_are_judged_by_it(url: str, reaches: str) -> None:
    with pytest.raises(UnsafeWebhookTarget) as refused:
        TargetPolicy().check(url, resolve)
    assert "non-public" in refused.value.reason and f"reaches {reaches}" in refused.value.reason


def test_local_use_nat64_is_never_a_target_and_public_embedded_addresses_are() -> None:
    with pytest.raises(UnsafeWebhookTarget):
        TargetPolicy().check("http://[64:ff9b:1::cba2:a14]/hooks", resolve)
    for url in ("http://[64:ff9b::cba2:a14]/hooks", "http://[2002:cba2:a14::1]/hooks", "http://[::ffff:cba2:a14]/"):
        assert TargetPolicy().check(url, resolve) == url  # 203.162.10.20, a public address
    # The allow-list speaks IPv4 for the embedded address too.
    assert TargetPolicy(allowed=("127.0.0.1",)).check("http://[::ffff:127.0.0.1]:9000/", resolve)


def test_the_address_a_connection_reached_is_judged_again() -> None:
    policy = TargetPolicy(allowed=("intranet.caobang.local",))
    policy.check_connection("egov.caobang.gov.vn", "203.162.10.20")
    policy.check_connection("intranet.caobang.local", "10.20.0.5")  # allowed by name
    for address in ("127.0.0.1", "::1", "64:ff9b::7f00:1", "fe80::1%eth0"):
        with pytest.raises(UnsafeWebhookTarget):
            policy.check_connection("egov.caobang.gov.vn", address)
