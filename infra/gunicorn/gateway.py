"""gunicorn configuration for the gateway: `gunicorn -c infra/gunicorn/gateway.py 'gateway.app:create_app()'`.

The gateway is an I/O-bound proxy: a request spends well under a millisecond
of CPU (token check from cache, route match, header copy) and the rest waiting
on a service. So:

- worker_class gthread: threads overlap those waits at low cost, and each
  worker process keeps ONE pooled keep-alive client shared by its threads
  (a sync worker could hold only one upstream call at a time; gevent would
  need monkey-patching of requests, psycopg and pika-free servicekit code
  for little gain at this scale).
- workers = CPU cores: one process per core uses every core for the CPU part
  (the GIL serialises Python inside a process); more processes would only
  multiply pools, token caches and rate-limit stores.
- threads = 16 (GATEWAY_THREADS): enough concurrent upstream calls to keep a
  core busy while services answer in ~5-50 ms; the upstream pool
  (UPSTREAM_POOL_SIZE, default 32) is at least this large so no thread waits
  for a connection.
- timeout > UPSTREAM_READ_TIMEOUT: a slow service must become our 504, never
  a worker killed by gunicorn mid-request.
"""

from __future__ import annotations

import logging
import multiprocessing
import os

from gunicorn.glogging import Logger

_read_timeout = float(os.environ.get("UPSTREAM_READ_TIMEOUT", "15"))

bind = f"{os.environ.get('GATEWAY_HOST', '0.0.0.0')}:{os.environ.get('GATEWAY_PORT', '8000')}"  # noqa: S104
# gthread, answering what gunicorn itself refuses (a request line over
# limit_request_line: 414) with problem+json like every other answer.
worker_class = "servicekit.gunicorn_worker.ProblemThreadWorker"
limit_request_line = 4094  # servicekit.web.MAX_URI_BYTES: the app refuses the same
workers = int(os.environ.get("GATEWAY_WORKERS", multiprocessing.cpu_count()))
threads = int(os.environ.get("GATEWAY_THREADS", "16"))
timeout = int(_read_timeout) + 15
graceful_timeout = int(_read_timeout) + 5  # in-flight proxied calls finish on SIGTERM
keepalive = 5  # behind a load balancer, keep its connections warm
max_requests = 20000  # recycle workers now and then; jitter so they do not all restart together
max_requests_jitter = 2000
accesslog = os.environ.get("GATEWAY_ACCESS_LOG", "-")  # the one line per request
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(L)ss rid=%({x-request-id}o)s'


class AccessLogger(Logger):  # type: ignore[misc]  # gunicorn is untyped
    """gunicorn's logger, building only the atoms of the line above. gunicorn's own builds
    every request header, response header and environ entry into a dictionary for each line,
    and the logging module then looks up the caller's frame: together the largest share of the
    gateway's CPU per request after the server and the upstream call (py-spy, bench
    ``--only throughput``). The line is the same; another format gets gunicorn's atoms."""

    def atoms(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        if self.cfg.access_log_format != access_log_format:
            return super().atoms(resp, req, environ, request_time)
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        sent = getattr(resp, "sent", None)
        return {
            "h": environ.get("REMOTE_ADDR", "-"),
            "r": f"{environ['REQUEST_METHOD']} {environ['RAW_URI']} {environ['SERVER_PROTOCOL']}",
            "s": status,
            "b": "-" if sent is None else str(sent),
            "L": f"{request_time.seconds}.{request_time.microseconds:06d}",
            "{x-request-id}o": next((value for name, value in resp.headers if name.lower() == "x-request-id"), "-"),
        }


logger_class = AccessLogger
# The app, its database engine and the upstream client are built in each
# worker after fork (not preloaded): no socket or engine crosses a fork.
preload_app = False


def on_starting(server):  # type: ignore[no-untyped-def]
    # Start each run with an empty multiprocess metrics directory.
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            os.unlink(os.path.join(directory, name))
    # The app's module is imported before the port opens (see infra/gunicorn/service.py):
    # no request waits in the backlog of a gateway still importing its code.
    import importlib

    module = (server.app.app_uri or "").split(":", 1)[0]
    if module:
        importlib.import_module(module)


def post_fork(server, worker):  # type: ignore[no-untyped-def]
    # The pooled upstream client builds itself lazily per process (it checks
    # its pid), so nothing inherited from the master can be reused here.
    # No log line of the gateway names the file, line or function it came from: the logging
    # module need not look up the caller's frame for each one (the logging HOWTO's own advice).
    logging._srcfile = None
    server.log.info("gateway worker %s ready (%s threads)", worker.pid, threads)


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    # With PROMETHEUS_MULTIPROC_DIR set, forget the dead worker's live gauges.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
