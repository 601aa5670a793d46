#!/usr/bin/env bash
# Issued documents are rendered on the server (WeasyPrint: Pango, HarfBuzz) in a
# Times-metric serif that covers Vietnamese fully (Tinos from fonts-croscore;
# Debian's Liberation 1.07 lacks glyphs), embedded in the PDF. The tests also
# need SoftHSM (the PKCS#11 signing path) and poppler (pdftoppm/pdftotext).
# Installs what is missing where it can (root with apt-get); says what is
# missing otherwise.
set -euo pipefail
need=()
fc-list 2>/dev/null | grep -q "Tinos" || need+=(fonts-croscore)
dpkg -s libpango-1.0-0 >/dev/null 2>&1 || need+=(libpango-1.0-0)
dpkg -s libpangoft2-1.0-0 >/dev/null 2>&1 || need+=(libpangoft2-1.0-0)
dpkg -s libharfbuzz-subset0 >/dev/null 2>&1 || need+=(libharfbuzz-subset0)
command -v softhsm2-util >/dev/null || need+=(softhsm2)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
command -v fc-list >/dev/null || need+=(fontconfig)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing for issued documents: ${need[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fc-cache -f >/dev/null 2>&1 || true
else
  echo "missing for issued documents: ${need[*]} (install them with apt-get)" >&2
  exit 1
fi
