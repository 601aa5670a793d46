"""Prometheus metrics shared by every service (architecture §9).

Under gunicorn with several workers set PROMETHEUS_MULTIPROC_DIR so the
workers' figures are summed; :func:`render` handles both modes.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

HTTP_REQUESTS = Counter("ttdn_http_requests_total", "HTTP requests served", ["method", "endpoint", "status"])
HTTP_LATENCY = Histogram(
    "ttdn_http_request_seconds",
    "HTTP request latency",
    ["method", "endpoint"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
EVENTS_PUBLISHED = Counter("ttdn_events_published_total", "Events published from the outbox", ["routing_key"])
PUBLISH_FAILURES = Counter("ttdn_outbox_publish_failures_total", "Failed outbox publish attempts")
OUTBOX_PENDING = Gauge("ttdn_outbox_pending", "Outbox rows not yet published", multiprocess_mode="max")
OUTBOX_LAG = Histogram(
    "ttdn_outbox_lag_seconds", "Commit-to-publish delay of outbox rows", buckets=(0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30)
)
EVENTS_CONSUMED = Counter(
    "ttdn_events_consumed_total", "Events handled by consumers", ["queue", "routing_key", "outcome"]
)
EVENTS_RETRIED = Counter("ttdn_events_retried_total", "Events sent to a retry queue", ["queue"])
EVENTS_PARKED = Counter("ttdn_events_parked_total", "Events parked in a .dlq", ["queue"])
COMMANDS_REFUSED = Counter("ttdn_commands_refused_total", "Commands refused before any work", ["reason"])


def render() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
