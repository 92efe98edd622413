#!/usr/bin/env bash
# Every benchmark, one after the other, on this machine: the README's figures come from one
# run of this script. Each report goes to bench/results/NAME.txt (git-ignored) and to the
# terminal, with the machine's load before it.
#
#     bash bench/all.sh                 # SQLite, and PostgreSQL where a bench compares both
#     PG=postgresql+psycopg://postgres@127.0.0.1:5432/postgres bash bench/all.sh
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python}"
PG="${PG:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres}"
mkdir -p bench/results
run() {
  local name="$1"
  shift
  {
    echo "== $name: $*"
    echo "   $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
    "$PY" "$@"
    echo "   exit $?, load $(cut -d' ' -f1-3 /proc/loadavg)"
  } 2>&1 | tee "bench/results/$name.txt"
}
run startup bench/startup.py
run shell bench/shell.py
run daily bench/daily.py --repeat 3 --postgres "$PG"
run daily_300000 bench/daily.py --services 300000
run receipts bench/receipts.py
run whmcs_import bench/whmcs_import.py
run import_memory bench/import_memory.py
run client_search bench/client_search.py
