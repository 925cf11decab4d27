#!/bin/sh
# Builds and runs the ledger micro-benchmark with optimisation, outside CMake:
#   bench/ledger_bench.sh [report_rows=1000000] [dir=/tmp]
# Prints the request-path cost of metering (target < 5 us) and `gw report` times on a
# synthetic ledger (target < 1 s for --by user,model on 1,000,000 rows).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${TMPDIR:-/tmp}/gw_ledger_bench
g++ -std=c++2b -O2 -DNDEBUG -DGW_VERSION='"bench"' -I"$root/src" -o "$out" \
  "$root/bench/micro/ledger_bench.cpp" \
  "$root/src/store/ledger.cpp" "$root/src/store/migrations.cpp" "$root/src/store/report.cpp" \
  "$root/src/gateway/pricing.cpp" "$root/src/gateway/meter.cpp" "$root"/src/api/*.cpp \
  -lsqlite3 -pthread
exec "$out" "$@"
