#!/usr/bin/env bash
# As-you-type suggestions (GET /api/v1/search/suggest) at 1 and 8 clients, words only.
#
# usage: bench/suggest.sh [SIZE]           (default 10000)
# env:   DURATION (seconds per run, default 20), PORT (default 18090), BIN (default
#        target/release/faqd, built first; give another binary to compare two builds)
#
# Uses the corpus of bench/search.sh (bench/work/SIZE, generated and imported when missing),
# serves it with semantic search off (suggestions use the word index only), waits for the
# word index, warms up for 5 s, then drives bench/suggest.lua (every prefix of the queries of
# bench/queries.txt) with wrk at 1 and 8 connections. Results go to bench/work/results.txt,
# with the load average before each run.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
DURATION=${DURATION:-20}
PORT=${PORT:-18090}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN=target/release/faqd
fi
OUT=bench/work/results.txt
dir=bench/work/$n
mkdir -p "$dir"
if [ ! -f "$dir/imported" ]; then
  rm -rf "$dir/pages"
  python3 bench/gen_pages.py "$n" "$dir/pages"
  FAQD_DATA_DIR=$dir/data RUST_LOG=warn "$BIN" seed --seed-dir "$dir/pages" > /dev/null
  touch "$dir/imported"
fi
FAQD_DATA_DIR=$dir/data FAQD_AUTO_SEED=false FAQD_EMBEDDINGS=off FAQD_MODELS_INSTALL=off \
  FAQD_RATE_LIMIT_SEARCH=0 RUST_LOG=warn "$BIN" serve --bind "127.0.0.1:$PORT" > "$dir/suggest-serve.log" 2>&1 &
server=$!
trap 'kill -INT "$server" 2>/dev/null || true' EXIT
ready() {
  curl -fs "http://127.0.0.1:$PORT/readyz" 2>/dev/null | python3 -c 'import json,sys; s=json.load(sys.stdin).get("search_index"); sys.exit(0 if s and s["ready"] else 1)'
}
for _ in $(seq 1 600); do ready && break; sleep 0.5; done
wrk -t2 -c8 -d5s -s bench/suggest.lua "http://127.0.0.1:$PORT" > /dev/null
for c in 1 8; do
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  result=$(wrk -t"$(( c < 2 ? 1 : 2 ))" -c"$c" -d"${DURATION}s" --timeout 5s -s bench/suggest.lua \
    "http://127.0.0.1:$PORT" | grep '^RESULT')
  echo "$(date -u +%FT%TZ) size $n suggest clients $c (load before: $load): ${result#RESULT }" | tee -a "$OUT"
done
echo "size $n suggest: faqd RSS $(ps -o rss= -p "$server" | awk '{printf "%.0f MB", $1/1024}')" | tee -a "$OUT"
