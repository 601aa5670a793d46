"""The suite's contracts, each owned once: the event payloads every producer
emits and every consumer parses (:mod:`.events`), the AsyncAPI document made
from them (:mod:`.asyncapi`)."""
