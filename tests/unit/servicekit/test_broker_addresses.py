"""AMQP_URL names one broker or the nodes of a cluster, tried in order."""

from __future__ import annotations

import pytest
from servicekit.broker import broker_urls, connection_parameters

CLUSTER = (
    "amqp://ttdn:secret@rabbitmq-0.rabbitmq:5672/%2F, amqp://ttdn:secret@rabbitmq-1.rabbitmq:5672/%2F,"
    "amqp://ttdn:secret@rabbitmq-2.rabbitmq:5672/%2F"
)


def test_one_url_is_one_broker() -> None:
    [parameters] = connection_parameters("amqp://guest:guest@localhost:5672/%2F")
    assert (parameters.host, parameters.port, parameters.virtual_host) == ("localhost", 5672, "/")
    assert parameters.connection_attempts == 1  # the next address is tried at once


def test_a_comma_separated_list_is_every_node_in_order() -> None:
    addresses = connection_parameters(CLUSTER)
    assert [p.host for p in addresses] == ["rabbitmq-0.rabbitmq", "rabbitmq-1.rabbitmq", "rabbitmq-2.rabbitmq"]
    assert all(p.credentials.username == "ttdn" and p.heartbeat == 30 for p in addresses)


def test_an_empty_list_is_refused() -> None:
    with pytest.raises(ValueError, match="AMQP_URL"):
        broker_urls(" , ")
