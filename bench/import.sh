#!/usr/bin/env bash
# Import speed: 10,000 entries in 20 files of 500, then the same 20 files again.
#
# usage: bench/import.sh            env: ENTRIES (default 10000), PER_PAGE (default 500),
#                                        BIN (default: build the release binary)
#
# Generates the pages (gen_pages.py, the seed's vocabulary, bold questions), migrates a
# fresh private cluster under bench/work/import (so that cluster start and migrations are
# not counted), starts `faqd serve` on it, then times one `faqd import DIR` of the 20 files
# (one process, one connection, one transaction per file), the re-import of every file (one
# process each, then one run), which must write nothing: the script checks that no page
# changed, and the start-up of a command (`faqd token list`). Results are appended to
# bench/work/results.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
ENTRIES=${ENTRIES:-10000}
PER_PAGE=${PER_PAGE:-500}
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN=${CARGO_TARGET_DIR:-target}/release/faqd
fi
OUT=bench/work/results.txt
dir=bench/work/import
rm -rf "$dir"
mkdir -p "$dir"
python3 bench/gen_pages.py "$ENTRIES" "$dir/pages" --per-page "$PER_PAGE" > /dev/null
export FAQD_DATA_DIR=$dir/data RUST_LOG=warn
"$BIN" migrate > /dev/null
echo "# $(date -u +%FT%TZ) import bench, $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT"

now() { date +%s.%N; }
# `faqd serve` beside the CLI, as an editor's machine has it (no seed, no models, no webhooks).
FAQD_BIND=127.0.0.1:0 FAQD_AUTO_SEED=false FAQD_EMBEDDINGS=off FAQD_WEBHOOK_DELIVERY=off \
  "$BIN" serve > "$dir/serve.log" 2>&1 &
serve=$!
trap 'kill $serve 2>/dev/null; wait $serve 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q "API " "$dir/serve.log" && break; sleep 0.1; done

start=$(now)
"$BIN" import "$dir/pages" > "$dir/import.txt"
end=$(now)
printf 'import %s entries in %s files, one faqd import run, faqd serve beside it: %.2f s (%s)\n' \
  "$ENTRIES" "$(ls "$dir/pages" | wc -l)" "$(echo "$end - $start" | bc)" "$(tail -1 "$dir/import.txt")" | tee -a "$OUT"

count() {
  "$BIN" export --all "$dir/export" > /dev/null
  # Versions of everything: an unchanged re-import must leave them as they are.
  cat "$dir"/export/*.md | sha256sum | cut -c1-16
}
before=$(count)
start=$(now)
for f in "$dir"/pages/*.md; do
  "$BIN" import "$f" > "$dir/reimport.txt"
done
end=$(now)
printf 're-import of the same %s files: %.2f s (one process per file), last report: %s\n' \
  "$(ls "$dir/pages" | wc -l)" "$(echo "$end - $start" | bc)" "$(cat "$dir/reimport.txt")" | tee -a "$OUT"
start=$(now)
"$BIN" import "$dir/pages" > "$dir/reimport.txt"
end=$(now)
printf 're-import of the same %s files in one run: %.2f s (%s)\n' \
  "$(ls "$dir/pages" | wc -l)" "$(echo "$end - $start" | bc)" "$(tail -1 "$dir/reimport.txt")" | tee -a "$OUT"
after=$(count)
[ "$before" = "$after" ] || { echo "the re-import changed the export" >&2; exit 1; }
start=$(now)
for _ in $(seq 1 20); do "$BIN" token list > /dev/null 2>&1; done
end=$(now)
printf 'start-up: faqd token list, 20 runs: %.3f s each\n' "$(echo "($end - $start) / 20" | bc -l)" | tee -a "$OUT"
