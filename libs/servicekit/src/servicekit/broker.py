"""Publishing to RabbitMQ with publisher confirms, surviving connection loss.

A :class:`Publisher` owns one BlockingConnection (pika connections are not
thread-safe: one publisher per thread or process). ``publish`` returns only
once the broker confirmed the message; any failure raises
:class:`PublishFailed` and the next call reconnects.

``AMQP_URL`` may list several brokers, comma-separated (the nodes of a
RabbitMQ cluster). Every connection tries them in the order given until one
answers, so publishers and consumers move to a surviving node when theirs is
lost; the quorum queues they use keep their messages on the others.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel

log = logging.getLogger(__name__)


class PublishFailed(RuntimeError):
    pass


def broker_urls(amqp_url: str) -> list[str]:
    """The broker addresses in ``AMQP_URL``: one URL, or several separated by commas."""
    urls = [part.strip() for part in amqp_url.split(",") if part.strip()]
    if not urls:
        raise ValueError("AMQP_URL names no broker")
    return urls


def connection_parameters(
    amqp_url: str, *, heartbeat: int = 30, socket_timeout: float = 5.0
) -> list[pika.URLParameters]:
    """Parameters for each broker in ``amqp_url``; ``pika.BlockingConnection`` tries them in order.
    ``socket_timeout`` bounds connecting to each (shorter where a request waits for the answer)."""
    addresses = []
    for url in broker_urls(amqp_url):
        parameters = pika.URLParameters(url)
        parameters.heartbeat = heartbeat
        parameters.blocked_connection_timeout = 30
        parameters.connection_attempts = 1
        parameters.socket_timeout = socket_timeout
        parameters.client_properties = {"connection_name": "ttdn"}
        addresses.append(parameters)
    return addresses


class Publisher:
    def __init__(
        self, amqp_url: str, exchange: str, *, on_connect: Callable[[BlockingChannel], None] | None = None
    ) -> None:
        self._amqp_url = amqp_url
        self._exchange = exchange
        self._on_connect = on_connect
        self._connection: pika.BlockingConnection | None = None
        self._channel: BlockingChannel | None = None

    def _ensure_channel(self) -> BlockingChannel:
        if self._channel is not None and self._channel.is_open:
            return self._channel
        self.close()
        self._connection = pika.BlockingConnection(connection_parameters(self._amqp_url))
        channel = self._connection.channel()
        channel.confirm_delivery()
        if self._on_connect:
            self._on_connect(channel)
        self._channel = channel
        return channel

    def publish(
        self,
        routing_key: str,
        body: bytes,
        *,
        message_id: str,
        event_type: str,
        correlation_id: str | None = None,
        headers: dict | None = None,
        exchange: str | None = None,
    ) -> None:
        properties = pika.BasicProperties(
            content_type="application/cloudevents+json; charset=utf-8",
            delivery_mode=pika.DeliveryMode.Persistent,
            message_id=message_id,
            correlation_id=correlation_id,
            type=event_type,
            headers=headers or None,
        )
        try:
            channel = self._ensure_channel()
            channel.basic_publish(
                exchange=self._exchange if exchange is None else exchange,
                routing_key=routing_key,
                body=body,
                properties=properties,
                mandatory=True,
            )
        except pika.exceptions.UnroutableError as error:
            raise PublishFailed(f"unroutable: no queue bound for {routing_key!r}") from error
        except pika.exceptions.NackError as error:
            # A queue that could not take the message, typically a quorum queue electing a
            # new leader after a node was lost. The channel can keep refusing after the
            # election (measured on 3.10.8: every retry on it nacked for a minute), so the
            # next attempt starts on a fresh connection.
            self.close()
            raise PublishFailed("broker refused the message (nack)") from error
        except (pika.exceptions.AMQPError, OSError) as error:
            self.close()
            raise PublishFailed(f"broker unavailable: {error.__class__.__name__}: {error}") from error

    def process_events(self) -> None:
        """Service heartbeats on an idle connection (BlockingConnection only does so inside pika calls)."""
        if self._connection is not None and self._connection.is_open:
            try:
                self._connection.process_data_events(0)
            except (pika.exceptions.AMQPError, OSError):
                self.close()

    def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and connection.is_open:
            with contextlib.suppress(pika.exceptions.AMQPError, OSError):
                connection.close()


def broker_reachable(amqp_url: str, timeout: float = 2.0) -> bool:
    try:
        pika.BlockingConnection(connection_parameters(amqp_url, socket_timeout=timeout)).close()
    except (pika.exceptions.AMQPError, OSError):
        return False
    return True
