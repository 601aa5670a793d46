#!/usr/bin/env bash
# `make bench` drives HTTP load with wrk (C, so the load generator takes little
# of the two cores the suite runs on) and measures PostgreSQL with pgbench.
set -euo pipefail
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v pgbench >/dev/null || missing+=(postgresql-contrib)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "missing benchmark tools: ${missing[*]}" >&2; exit 1
  fi
fi
