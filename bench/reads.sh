#!/usr/bin/env bash
# Reads against a static file server: faqd's throughput for one entry, one page, a list and a
# search, as a ratio of nginx serving the very same bytes in the same run; a write's rate;
# how soon a write is visible on a second instance; faqd's RSS; the import time.
#
# usage: bench/reads.sh                 (ENTRIES=10000, DURATION=10, CONNECTIONS=32, ROUNDS=3)
# needs: nginx and wrk (Debian packages: apt-get install nginx wrk), python3
#
# faqd and nginx both get 2 workers (this machine's cores), nginx with its access log off.
# wrk runs 2 threads; the three share the cores, as they would in any run on one machine.
# faqd runs with semantic search off (the model is the search issue's, measured there) and
# rate limits off (one load generator is one client). Results go to bench/work/reads.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
ENTRIES=${ENTRIES:-10000}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-18081}
PORT2=$((PORT + 1))
NGINX_PORT=$((PORT + 9))
for tool in nginx wrk python3; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || {
    echo "$tool is missing: apt-get install nginx wrk python3" >&2
    exit 1
  }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
cargo build --release --quiet
BIN=target/release/faqd
WORK=bench/work/reads
OUT=bench/work/reads.txt
mkdir -p "$WORK"
log() { echo "$*" | tee -a "$OUT"; }
log "# $(date -u +%FT%TZ) $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg); $ENTRIES entries, ${DURATION}s x ${CONNECTIONS} connections, median of $ROUNDS alternating rounds"

export FAQD_DATA_DIR=$WORK/data FAQD_AUTO_SEED=false FAQD_EMBEDDINGS=off RUST_LOG=warn \
  FAQD_RATE_LIMIT_WRITES=0 FAQD_RATE_LIMIT_SEARCH=0 FAQD_WORKERS=2 FAQD_SEARCH_INSIGHTS=off
if [ ! -f "$WORK/imported" ]; then
  rm -rf "$WORK/pages"
  python3 bench/gen_pages.py "$ENTRIES" "$WORK/pages" > /dev/null
  start=$(date +%s.%N)
  "$BIN" seed --seed-dir "$WORK/pages" > /dev/null
  end=$(date +%s.%N)
  log "import: $ENTRIES entries in $(echo "$end - $start" | bc) s (faqd seed, process start included)"
  touch "$WORK/imported"
fi

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT
wait_up() {
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$1/readyz" > /dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "faqd on port $1 did not start" >&2
  exit 1
}
"$BIN" serve --bind "127.0.0.1:$PORT" > "$WORK/serve.log" 2>&1 &
pids+=($!)
server=$!
"$BIN" serve --bind "127.0.0.1:$PORT2" > "$WORK/serve2.log" 2>&1 &
pids+=($!)
wait_up "$PORT"
wait_up "$PORT2"
TOKEN=$("$BIN" token create --name "bench-$$" --role editor | tail -1)

# The same bytes for nginx: what faqd answers an anonymous reader.
base="http://127.0.0.1:$PORT"
page=$(curl -fs "$base/api/v1/pages?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["slug"])')
entry=$(curl -fs "$base/api/v1/faqs?page=$page&limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["slug"])')
declare -A PATHS=(
  [entry]="/api/v1/faqs/$entry"
  [page]="/api/v1/pages/$page"
  [list]="/api/v1/faqs?limit=20"
  [search]="/api/v1/search?q=coaching+teams"
)
root=$(realpath "$WORK")/www
rm -rf "$root" && mkdir -p "$root"
for name in "${!PATHS[@]}"; do
  curl -fs "$base${PATHS[$name]}" -o "$root/$name.json"
done
# The page as a browser or CDN asks for it (Accept-Encoding: gzip): faqd's gzip bytes, which
# nginx serves as a file with the same Content-Encoding.
curl -fs -H 'Accept-Encoding: gzip' "$base${PATHS[page]}" -o "$root/page-gzip.json"
cat > "$WORK/nginx.conf" <<EOF
worker_processes 2;
pid $(realpath "$WORK")/nginx.pid;
error_log $(realpath "$WORK")/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  types { application/json json; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $root;
    location / { default_type application/json; try_files \$uri.json =404; }
    location = /page-gzip { default_type application/json; add_header Content-Encoding gzip; try_files /page-gzip.json =404; }
  }
}
EOF
"$NGINX" -c "$(realpath "$WORK")/nginx.conf"

run() { # url [header] -> "rps p50 p99"
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency ${2:+-H "$2"} "$1" \
    | awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {print rps, p50, p99}'
}
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
log "| what | faqd req/s | nginx req/s | ratio | faqd p50 | faqd p99 | nginx p99 |"
log "|---|---:|---:|---:|---:|---:|---:|"
# Each round runs faqd then nginx seconds apart; the table gives the median of the rounds
# (nginx alone moved by ±30 % between single runs on this shared machine).
for name in entry page page-gzip list search; do
  path=${PATHS[$name]:-${PATHS[page]}}
  hdr=""
  [ "$name" = page-gzip ] && hdr="Accept-Encoding: gzip"
  wrk -t2 -c8 -d2s ${hdr:+-H "$hdr"} "$base$path" > /dev/null # warm
  f_all=() n_all=() f_lat=() n_lat=()
  for _ in $(seq 1 "$ROUNDS"); do
    read -r f_rps f_p50 f_p99 <<< "$(run "$base$path" "$hdr")"
    read -r n_rps _ n_p99 <<< "$(run "http://127.0.0.1:$NGINX_PORT/$name" "$hdr")"
    f_all+=("$f_rps") n_all+=("$n_rps") f_lat+=("$f_p50 $f_p99") n_lat+=("$n_p99")
  done
  f_med=$(printf '%s\n' "${f_all[@]}" | median)
  n_med=$(printf '%s\n' "${n_all[@]}" | median)
  ratio=$(python3 -c "print(f'{$f_med / $n_med:.2f}')")
  log "| $name ($path${hdr:+, $hdr}) | $f_med (${f_all[*]}) | $n_med (${n_all[*]}) | **${ratio}×** | ${f_lat[-1]% *} | ${f_lat[-1]#* } | ${n_lat[-1]} |"
done

# Writes: PATCH one entry's answer over and over (If-Match: *), one connection per core.
cat > "$WORK/write.lua" <<EOF
local n = 0
request = function()
  n = n + 1
  local body = '{"answer": "Answer number ' .. n .. ' of the write benchmark."}'
  return wrk.format("PATCH", "/api/v1/faqs/$entry", {
    ["Authorization"] = "Bearer $TOKEN",
    ["Content-Type"] = "application/merge-patch+json",
    ["If-Match"] = "*",
  }, body)
end
EOF
read -r w_rps w_p50 w_p99 <<< "$(wrk -t2 -c4 -d"${DURATION}s" --latency -s "$WORK/write.lua" "$base" \
  | awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {print rps, p50, p99}')"
log "| write (PATCH /api/v1/faqs/$entry, 4 connections) | $w_rps | — | — | $w_p50 | $w_p99 | — |"

# A write on one instance, seen on the other: time from the PATCH's answer until the second
# instance serves the new text (it had the old one cached).
python3 - "$PORT" "$PORT2" "$entry" "$TOKEN" <<'EOF' | tee -a "$OUT"
import json, sys, time, urllib.request
port, port2, entry, token = sys.argv[1:]
def get(p):
    with urllib.request.urlopen(f"http://127.0.0.1:{p}/api/v1/faqs/{entry}") as r:
        return json.load(r)["answer"]
samples = []
for i in range(20):
    get(port2); get(port2)  # cached on the second instance
    text = f"Visibility probe {i} {time.time()}"
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/faqs/{entry}", method="PATCH",
        data=json.dumps({"answer": text}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", "If-Match": "*"})
    urllib.request.urlopen(req).read()
    t0 = time.perf_counter()
    while get(port2) != text:
        if time.perf_counter() - t0 > 2: break
    samples.append((time.perf_counter() - t0) * 1000)
samples.sort()
print(f"write visible on the second instance: median {samples[len(samples)//2]:.1f} ms, max {samples[-1]:.1f} ms (20 writes)")
EOF
log "faqd RSS after the run: $(ps -o rss= -p "$server" | awk '{printf "%.1f MiB", $1/1024}') (semantic search off)"
"$BIN" token revoke "bench-$$" > /dev/null 2>&1 || true
