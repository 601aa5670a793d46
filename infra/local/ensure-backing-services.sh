#!/usr/bin/env bash
# Make sure PostgreSQL and RabbitMQ answer on loopback; start them where they
# are installed but stopped. Used by `make test` (CI gets no help otherwise).
set -euo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432; }
rabbit_up() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }

wait_for() { # name check seconds
  for _ in $(seq 1 "$3"); do "$2" && return 0; sleep 1; done
  echo "$1 did not come up on loopback" >&2; return 1
}

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
    wait_for PostgreSQL pg_up 30
  else
    echo "PostgreSQL is not answering on 127.0.0.1:5432 and is not installed here" >&2; exit 1
  fi
fi

if ! rabbit_up; then
  if command -v rabbitmq-server >/dev/null; then
    echo "starting RabbitMQ"
    rabbitmq-server -detached
    wait_for RabbitMQ rabbit_up 60
  else
    echo "RabbitMQ is not answering on 127.0.0.1:5672 and is not installed here" >&2; exit 1
  fi
fi
# make test runs the end-to-end process sets beside the integration tests (tests/support/parallel.py);
# each set holds up to some 50 connections, more than PostgreSQL's default 100 allow together.
# On CI the server is this run's alone, so it is given room (a restart: never on a machine others share).
if [ "${CI:-}" = "true" ] && command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  connections=$(psql -h 127.0.0.1 -U postgres -Atc "SHOW max_connections" 2>/dev/null || echo 0)
  if [ "${connections:-0}" -lt 300 ]; then
    echo "PostgreSQL: max_connections $connections -> 300 (CI)"
    psql -h 127.0.0.1 -U postgres -qc "ALTER SYSTEM SET max_connections = 300"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main restart
    wait_for PostgreSQL pg_up 30
  fi
fi

# The AMQP port opens before the node finishes booting; wait until it serves.
rabbitmqctl -q await_startup >/dev/null 2>&1 || true
echo "PostgreSQL and RabbitMQ are up"
