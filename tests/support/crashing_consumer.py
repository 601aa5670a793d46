"""A consumer process that dies between its commit and its ack, as a process
killed at the worst moment would: ``python -m tests.support.crashing_consumer DB_URL AMQP_URL``."""

from __future__ import annotations

import os
import sys
import threading

from servicekit.consumer import EventConsumer
from servicekit.db import Database

from tests.support.messaging import make_consumer

CRASH_EXIT_CODE = 17


class DiesBeforeAck(EventConsumer):
    def _acknowledge(self, channel, tag, *, multiple=False):  # type: ignore[no-untyped-def]
        os._exit(CRASH_EXIT_CODE)  # committed, and gone before basic_ack


if __name__ == "__main__":
    database_url, amqp_url = sys.argv[1], sys.argv[2]
    consumer = make_consumer(Database(database_url), amqp_url, delays=(100,), consumer_class=DiesBeforeAck)
    consumer.run(threading.Event())
