"""Backpressure: a service takes no new command while the consumers of its events are behind.

A command the API accepts is cheap next to what follows it: its events are published, and every
consumer they are routed to applies them in a transaction of its own. When commands come faster
than the consumers can follow (a burst of decisions at the end of the year, a bulk import), the
events wait in the consumers' queues and people see their effects later and later: a task list or
an inbox seconds, then minutes behind, with nothing to tell them why. So, as Zeebe's gateway answers
``RESOURCE_EXHAUSTED`` when a partition is behind, a service that publishes events refuses a command
(any request but ``GET``, ``HEAD`` and ``OPTIONS``) with ``503`` and ``Retry-After`` while a queue
that receives its events holds ``BACKPRESSURE_QUEUE_DEPTH`` messages or more not yet delivered to
its consumer. The command is refused before it is read or authorised any further, so nothing is
written; the client tries again after the pause (the gateway does not store such an answer under
an ``Idempotency-Key``). Reads are never refused: they are how people see the backlog clear.

The depth is read from the broker (a passive ``queue.declare`` per queue, which answers the number of
messages ready) at most every :data:`REFRESH_SECONDS` per process, by the request that finds the
last reading too old; the others use the last reading meanwhile. When the broker cannot be asked,
nothing is refused (and it is asked again only after :data:`UNKNOWN_RETRY_SECONDS`): the outbox keeps
the events until it is back, and a refusal would only stop people's work for a reason nobody can see.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence

import pika
import pika.exceptions
from flask import Flask, Response, request
from pika.adapters.blocking_connection import BlockingChannel

from .broker import connection_parameters
from .field_messages import CATCHING_UP, localised
from .i18n import request_locale
from .metrics import COMMANDS_REFUSED
from .problems import Problem, problem_response
from .settings import ServiceSettings
from .topology import SUITE_QUEUES, QueueSpec

log = logging.getLogger(__name__)

REFRESH_SECONDS = 0.5  # a process asks the broker for the depths at most this often
UNKNOWN_RETRY_SECONDS = 5.0  # after the broker did not answer, how long before it is asked again
RETRY_AFTER_SECONDS = 1  # what a refused command's Retry-After asks for
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

DepthReader = Callable[[Sequence[str]], dict[str, int]]


def queues_receiving(kinds: Iterable[str], queues: Sequence[QueueSpec] = SUITE_QUEUES) -> tuple[str, ...]:
    """The suite's queues bound to events of ``kinds`` (the first word of a routing key: ``approval``)."""
    wanted = set(kinds)
    return tuple(spec.name for spec in queues if any(key.split(".", 1)[0] in wanted for key in spec.bindings))


class BrokerDepths:
    """Reads how many messages wait in queues over a connection and channel of its own, opened on
    first use and again after they are lost (no heartbeats: the connection is idle between readings)."""

    def __init__(self, amqp_url: str) -> None:
        self.amqp_url = amqp_url
        self._connection: pika.BlockingConnection | None = None
        self._channel: BlockingChannel | None = None

    def __call__(self, queues: Sequence[str]) -> dict[str, int]:
        kept = self._connection is not None
        try:
            return self._read(queues)
        except (pika.exceptions.AMQPConnectionError, pika.exceptions.StreamLostError, OSError):
            self.close()
            if not kept:  # a broker that refused a new connection is not asked twice
                raise
        return self._read(queues)  # once more on a new connection: a broker restart drops an idle one

    def _read(self, queues: Sequence[str]) -> dict[str, int]:
        depths = {}
        for name in queues:
            try:
                declared = self._open_channel().queue_declare(queue=name, passive=True)
            except pika.exceptions.ChannelClosedByBroker:  # not declared yet: nothing waits in it
                self._channel = None
                depths[name] = 0
                continue
            depths[name] = declared.method.message_count
        return depths

    def _open_channel(self) -> BlockingChannel:
        if self._connection is None or not self._connection.is_open:
            # A request waits for this reading: never for long.
            self._connection = pika.BlockingConnection(
                connection_parameters(self.amqp_url, heartbeat=0, socket_timeout=1.0)
            )
            self._channel = None
        if self._channel is None or not self._channel.is_open:
            self._channel = self._connection.channel()
        return self._channel

    def close(self) -> None:
        self._channel = None
        if self._connection is not None:
            with contextlib.suppress(pika.exceptions.AMQPError, OSError):
                self._connection.close()
            self._connection = None


class Backlog:
    """The depths of ``queues``, read again when a caller finds them older than ``refresh_seconds``."""

    def __init__(
        self,
        queues: Sequence[str],
        read: DepthReader,
        *,
        refresh_seconds: float = REFRESH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.queues = tuple(queues)
        self.read = read
        self.refresh_seconds = refresh_seconds
        self.clock = clock
        self._depths: dict[str, int] = {}
        self._next_read = float("-inf")
        self._unknown = False
        self._reading = threading.Lock()

    def deepest(self) -> tuple[str, int] | None:
        """The queue with the most messages waiting and how many; None when they are not known."""
        if self.clock() >= self._next_read and self._reading.acquire(blocking=False):
            try:
                self._depths = self.read(self.queues)
                self._next_read = self.clock() + self.refresh_seconds
                if self._unknown:
                    log.info("backpressure: queue depths known again")
                    self._unknown = False
            except Exception as error:  # the broker is away: nothing known, nothing refused, asked less often
                if not self._unknown:
                    log.warning("backpressure: queue depths unknown", extra={"error": repr(error)})
                    self._unknown = True
                self._depths = {}
                self._next_read = self.clock() + UNKNOWN_RETRY_SECONDS
            finally:
                self._reading.release()
        if not self._depths:
            return None
        name = max(self._depths, key=self._depths.__getitem__)
        return name, self._depths[name]


def install_backpressure(
    app: Flask,
    settings: ServiceSettings,
    publishes: Iterable[str],
    *,
    exempt: Iterable[str] = (),
    backlog: Backlog | None = None,
) -> None:
    """Refuse ``app``'s commands while a queue that receives the events it ``publishes`` (their kinds:
    ``approval``) holds ``BACKPRESSURE_QUEUE_DEPTH`` messages or more, but those to the ``exempt`` paths
    (which write no event); ``backlog`` replaces the broker's reading (tests). Installed after
    authentication, so a caller without a token still hears 401."""
    limit = settings.backpressure_queue_depth
    if limit <= 0:
        return
    backlog = backlog or Backlog(queues_receiving(publishes), BrokerDepths(settings.amqp_url))
    exempt_paths = frozenset(exempt)

    @app.before_request
    def _refuse_when_behind() -> Response | None:
        if request.method in SAFE_METHODS or request.path in exempt_paths:
            return None
        deepest = backlog.deepest()
        if deepest is None or deepest[1] < limit:
            return None
        queue, waiting = deepest
        COMMANDS_REFUSED.labels("backlog").inc()
        log.info("command refused: consumers behind", extra={"queue": queue, "waiting": waiting, "limit": limit})
        locale = request_locale()
        return problem_response(
            Problem(
                503,
                "Catching up",
                localised(CATCHING_UP.msgid, locale),
                slug="catching-up",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Content-Language": locale},
            )
        )
