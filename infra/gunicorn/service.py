"""gunicorn settings for the plans, approvals and notifications services.

Workload: short JSON requests that spend most of their time waiting on the
database (a few queries and one commit each). gthread workers let a worker
overlap those waits without gevent's monkey-patching of psycopg and pika.
Two processes per service by default (WEB_CONCURRENCY): on this 2-core
machine three services and a gateway already share the cores; in production
set WEB_CONCURRENCY to the cores of the container. The app factory builds
engines and clients in each worker, after the fork (preload stays off).
"""

import os

# gthread, answering what gunicorn itself refuses (a request line over
# limit_request_line: 414) with problem+json like every other answer.
worker_class = "servicekit.gunicorn_worker.ProblemThreadWorker"
limit_request_line = 4094  # servicekit.web.MAX_URI_BYTES: the app refuses the same
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = 30
graceful_timeout = 20  # SIGTERM: finish in-flight requests, then exit
keepalive = 30  # the gateway keeps pooled connections to us
accesslog = None  # the app logs one JSON line per problem; access logs come from the gateway
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            os.unlink(os.path.join(directory, name))
    import_app_module(server)
    build_event_adapters()


def import_app_module(server):
    """Import the app's module in the master, before it binds its port (gunicorn calls
    on_starting first). A service restarting on a busy machine spends seconds importing;
    with the port already open, the gateway's requests would wait in the listen backlog
    meanwhile, time out as 504s, and still be handled (and committed) once a worker
    booted. Imported first, the port stays closed until the code is loaded: the gateway
    answers 503 and nothing is written. The workers fork with the modules loaded; each
    still builds its own app (engines, clients) after the fork."""
    import importlib

    module = (server.app.app_uri or "").split(":", 1)[0]
    if module:
        importlib.import_module(module)


def build_event_adapters():
    """Build the event contract's adapters in the master (servicekit.contracts.events.build_adapters):
    the workers fork with them built, instead of each building one per event type on its first
    request that emits or reads one."""
    from servicekit.contracts.events import build_adapters

    build_adapters()


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
