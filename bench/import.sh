#!/usr/bin/env bash
# Import speed: 10,000 entries in 20 files of 500, then the same 20 files again.
#
# usage: bench/import.sh            env: ENTRIES (default 10000), PER_PAGE (default 500)
#
# Generates the pages (gen_pages.py, the seed's vocabulary, bold questions), migrates a
# fresh private cluster under bench/work/import (so that cluster start and migrations are
# not counted), then times `faqd seed` over the 20 files (one process, one transaction per
# file), and `faqd import` of every file again, which must write nothing: the script checks
# that no entry, revision or page changed. Results are appended to bench/work/results.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
ENTRIES=${ENTRIES:-10000}
PER_PAGE=${PER_PAGE:-500}
cargo build --release --quiet
BIN=target/release/faqd
OUT=bench/work/results.txt
dir=bench/work/import
rm -rf "$dir"
mkdir -p "$dir"
python3 bench/gen_pages.py "$ENTRIES" "$dir/pages" --per-page "$PER_PAGE" > /dev/null
export FAQD_DATA_DIR=$dir/data RUST_LOG=warn
"$BIN" migrate > /dev/null
echo "# $(date -u +%FT%TZ) import bench, $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT"

now() { date +%s.%N; }
start=$(now)
"$BIN" seed --seed-dir "$dir/pages" > /dev/null
end=$(now)
printf 'import %s entries in %s files: %.2f s (faqd seed, process start included)\n' \
  "$ENTRIES" "$(ls "$dir/pages" | wc -l)" "$(echo "$end - $start" | bc)" | tee -a "$OUT"

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
after=$(count)
printf 're-import of the same %s files: %.2f s (one process per file), last report: %s\n' \
  "$(ls "$dir/pages" | wc -l)" "$(echo "$end - $start" | bc)" "$(cat "$dir/reimport.txt")" | tee -a "$OUT"
[ "$before" = "$after" ] || { echo "the re-import changed the export" >&2; exit 1; }
