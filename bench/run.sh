#!/usr/bin/env bash
# ModelGate proxy benchmark: one run, on loopback, against the same upstream stub, of
#   (a) the stub directly            (b) nginx proxy_pass to it (Debian's nginx, the reference proxy)
#   (c) ModelGate's Forwarder alone  (d) ModelGate with its key, grant and limit checks (the whole app)
# with wrk, the same threads, connections, duration and request for all four, each warmed up first, in interleaved
# rounds of which each target's best counts (other load on a shared machine only slows a run down). Prints
# requests per second, p50 and p99 latency, the ratios, and whether the targets are met. It measures; it does
# not test: it exits 0 whether or not a target is met, and non-zero only when a target could not be measured.
#
# Run from anywhere:   bash bench/run.sh
# Tunables (env):      THREADS=2 CONNECTIONS=32 DURATION=10s WARMUP=3s ROUNDS=2 NGINX_WORKERS=auto SKIP_BUILD=1
# Needs: the .NET 10 SDK; Node.js 20 with npm (the gateway starts Azurite, installed from the repository's
# package-lock.json on first use); wrk and nginx, installed here with apt-get when missing (as root, or through
# sudo). Everything listens on 127.0.0.1 only, on free ports, and everything started is stopped on exit, Ctrl-C
# or SIGTERM. About 110 s once built (4 targets x (3 s warm-up + 2 rounds x 10 s)); the first run also builds and
# may install Azurite.
set -euo pipefail

THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
# Rounds run the four targets in turn; each target's best round is reported (see measure below).
ROUNDS=${ROUNDS:-2}
# auto = one worker per core. Kestrel spreads the .NET targets over every core through the thread pool, so nginx
# gets every core too; with 1 worker nginx would be capped at one core while ModelGate is not.
NGINX_WORKERS=${NGINX_WORKERS:-auto}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROJECT="$ROOT/bench/ModelGate.Bench"
BENCH_DLL="$PROJECT/bin/Release/net10.0/ModelGate.Bench.dll"
BODY='{"model":"bench-chat","messages":[{"role":"user","content":"Hello! How fast is this proxy?"}],"max_tokens":16}'

WORK=$(mktemp -d "${TMPDIR:-/tmp}/modelgate-bench.XXXXXX")
PIDS=()

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  # Every process this script started, by its id: a graceful stop first (the gateway flushes usage and stops
  # Azurite), then a kill for whatever did not stop within 10 s.
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 100); do
    local alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say() { printf '%s\n' "$*" >&2; }
fail() { say "run.sh: $*"; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else fail "need root or sudo to run: $*"
  fi
}

find_nginx() { command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true; }

# --- tools -------------------------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null || [ -z "$(find_nginx)" ]; then
  say "Installing wrk and nginx with apt-get..."
  had_nginx=$(find_nginx)
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk nginx >/dev/null
  # Debian starts the packaged nginx service on port 80 right after installing it (where an init system runs);
  # the benchmark starts its own, so the one this install started is stopped again.
  if [ -z "$had_nginx" ] && command -v invoke-rc.d >/dev/null; then as_root invoke-rc.d nginx stop >/dev/null 2>&1 || true; fi
fi
NGINX=$(find_nginx)
[ -n "$NGINX" ] || fail "nginx is not installed"
command -v wrk >/dev/null || fail "wrk is not installed"
command -v dotnet >/dev/null || fail "the .NET SDK is not installed"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  say "Building the benchmark (Release)..."
  dotnet build "$PROJECT" -c Release -nologo -v quiet >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; fail "build failed"; }
fi
[ -f "$BENCH_DLL" ] || fail "$BENCH_DLL is missing; run without SKIP_BUILD"

# --- targets -----------------------------------------------------------------------------------------------------
# Starts one subcommand of the bench app in the background and waits for its READY line (it then serves).
start_bench() {
  local name=$1 timeout=$2; shift 2
  dotnet "$BENCH_DLL" "$@" --stats "$WORK/$name.stats" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  PIDS+=("$!")
  local pid=$! waited=0
  PID_OF[$name]=$pid
  until grep -q '^READY ' "$WORK/$name.out"; do
    kill -0 "$pid" 2>/dev/null || { cat "$WORK/$name.err" >&2; fail "$name exited before it was ready"; }
    [ "$waited" -lt $((timeout * 10)) ] || { cat "$WORK/$name.err" >&2; fail "$name was not ready within $timeout s"; }
    sleep 0.1; waited=$((waited + 1))
  done
}
field() { sed -n "s/^READY .*\b$2=\([^ ]*\).*/\1/p" "$WORK/$1.out"; }

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 40000))
    listening "$port" || { echo "$port"; return; }
  done
  fail "no free loopback port found"
}

declare -A PID_OF
say "Starting the upstream stub, nginx, the forwarder and the gateway on 127.0.0.1..."
start_bench stub 30 stub --port 0
STUB_URL=$(field stub url)
STUB_PORT=$(echo "$STUB_URL" | sed -n 's#^http://127.0.0.1:\([0-9]*\)/$#\1#p')

NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes $NGINX_WORKERS;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/client_body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  # Connections stay open for the whole run, as they do with Kestrel (nginx closes them after 1000 requests by default).
  keepalive_requests 1000000;
  upstream stub {
    server 127.0.0.1:$STUB_PORT;
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://stub;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' 2>"$WORK/nginx/stderr" &
PIDS+=("$!")
PID_OF[nginx]=$!
for i in $(seq 100); do listening "$NGINX_PORT" && break; sleep 0.1; done
listening "$NGINX_PORT" || { cat "$WORK/nginx/stderr" "$WORK/nginx/error.log" >&2 2>/dev/null; fail "nginx did not start"; }

start_bench forwarder 30 forwarder --port 0 --upstream "$STUB_URL"
# The first run on a machine may install Azurite from npm before the gateway can start.
start_bench gateway 300 gateway --port 0 --upstream "$STUB_URL"
INVOKE_PATH=$(field gateway path)
API_KEY=$(field gateway key)

# The same request for every target: the gateway's path, its JSON body and the ApiKey header (the stub and nginx
# ignore the header; the forwarder drops it, as the gateway does).
cat >"$WORK/request.lua" <<EOF
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "ApiKey $API_KEY"
EOF

# --- measure -----------------------------------------------------------------------------------------------------
# wrk prints latencies as 812.00us, 1.23ms or 1.01s; the table uses milliseconds.
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'; }

# CPU ticks (user + system) used so far by a process and its children (nginx's workers, the gateway's Azurite).
cpu_ticks() {
  cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$1" '{
    pid = $1; rest = $0; sub(/^.*\) /, "", rest); split(rest, f, " ")  # after "pid (comm) ": state, ppid, ...
    if (pid == root || f[2] == root) n += f[12] + f[13]
  } END { print n + 0 }'
}
# Bytes a .NET target has allocated so far (from the file its --stats timer rewrites); empty for nginx.
allocated() { [ -f "$WORK/$1.stats" ] && sed -n 's/^allocated=\([0-9]*\).*/\1/p' "$WORK/$1.stats" || true; }

TICK_US=$((1000000 / $(getconf CLK_TCK)))
declare -A URL_OF PROCESS_OF RPS P50 P99 ERRORS LOAD CPU ALLOC
TARGETS=(a-upstream b-nginx c-forwarder d-gateway)
URL_OF[a-upstream]="$STUB_URL${INVOKE_PATH#/}";                        PROCESS_OF[a-upstream]=stub
URL_OF[b-nginx]="http://127.0.0.1:$NGINX_PORT$INVOKE_PATH";           PROCESS_OF[b-nginx]=nginx
URL_OF[c-forwarder]="$(field forwarder url)${INVOKE_PATH#/}";         PROCESS_OF[c-forwarder]=forwarder
URL_OF[d-gateway]="$(field gateway url)${INVOKE_PATH#/}";             PROCESS_OF[d-gateway]=gateway

# One measurement of one target; kept when it is the target's best so far (highest RPS). Other load on the machine
# only ever slows a run down, so the best of interleaved rounds is the figure least disturbed by it.
measure() {
  local name=$1 round=$2 process=${PROCESS_OF[$1]} out="$WORK/wrk-$1-$2.txt"
  say "  round $round, $name: $DURATION..."
  local load ticks_before alloc_before
  sleep 0.3 # the target is idle now: its stats file has caught up
  load=$(cut -d' ' -f1 /proc/loadavg)
  ticks_before=$(cpu_ticks "${PID_OF[$process]}")
  alloc_before=$(allocated "$process")
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/request.lua" "${URL_OF[$name]}" >"$out"
  sleep 0.3
  local requests rps
  requests=$(awk '/ requests in / { print $1 }' "$out")
  rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")
  [ -n "$rps" ] && [ -n "$requests" ] || { cat "$out" >&2; fail "could not read wrk's output for $name"; }
  # Refusals or broken connections would make the figures meaningless: count them, in every round, and show them.
  ERRORS[$name]=$(( ${ERRORS[$name]:-0} + $(awk '/Non-2xx or 3xx responses:/ { n += $NF } /Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' "$out") ))
  if [ -n "${RPS[$name]:-}" ] && [ "$rps" -le "${RPS[$name]}" ]; then return; fi
  RPS[$name]=$rps
  LOAD[$name]=$load
  P50[$name]=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
  P99[$name]=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
  CPU[$name]=$(awk -v t="$(( $(cpu_ticks "${PID_OF[$process]}") - ticks_before ))" -v us="$TICK_US" -v r="$requests" 'BEGIN { printf "%.1f", t * us / r }')
  if [ -n "$alloc_before" ]; then
    ALLOC[$name]=$(awk -v a="$(( $(allocated "$process") - alloc_before ))" -v r="$requests" 'BEGIN { printf "%.0f", a / r }')
  else
    ALLOC[$name]="-"
  fi
}

say "Warming up every target for $WARMUP..."
for name in "${TARGETS[@]}"; do
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$WORK/request.lua" "${URL_OF[$name]}" >/dev/null
done
say "Measuring with wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS round(s), POST $INVOKE_PATH:"
for round in $(seq "$ROUNDS"); do
  for name in "${TARGETS[@]}"; do measure "$name" "$round"; done
done

# --- report ------------------------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
verdict() { if "$@"; then echo "MET"; else echo "NOT MET"; fi; }

echo
echo "ModelGate proxy benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)),"
echo "$("$NGINX" -v 2>&1 | sed 's#nginx version: ##') with worker_processes $NGINX_WORKERS, $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), -t$THREADS -c$CONNECTIONS -d$DURATION, POST of ${#BODY} bytes, answer of $(field stub bytes) bytes"
echo
printf '%-28s %7s %7s %7s %8s %8s %6s %6s %7s %6s\n' "target" "RPS" "p50 ms" "p99 ms" "CPU us" "alloc B" "/nginx" "/fwd" "errors" "load"
for name in a-upstream b-nginx c-forwarder d-gateway; do
  case $name in
    a-upstream) label="(a) upstream directly" ;;
    b-nginx) label="(b) nginx proxy_pass" ;;
    c-forwarder) label="(c) Forwarder, no checks" ;;
    d-gateway) label="(d) ModelGate, key + grant" ;;
  esac
  printf '%-28s %7s %7s %7s %8s %8s %6s %6s %7s %6s\n' "$label" "${RPS[$name]}" "${P50[$name]}" "${P99[$name]}" "${CPU[$name]}" "${ALLOC[$name]}" \
    "$(ratio "${RPS[$name]}" "${RPS[b-nginx]}")" "$(ratio "${RPS[$name]}" "${RPS[c-forwarder]}")" "${ERRORS[$name]}" "${LOAD[$name]}"
done
echo "CPU us: CPU time of the target's processes per request (nginx: master and workers; the gateway: with Azurite);"
echo "alloc B: bytes the .NET process allocated per request; /nginx, /fwd: RPS ratio to (b) and to (c);"
echo "errors: non-2xx answers and socket errors, all rounds; load: the 1-minute load average as the measurement started;"
echo "each row is the target's best of $ROUNDS interleaved round(s) of $DURATION."
echo

P50_DELTA=$(awk -v d="${P50[d-gateway]}" -v c="${P50[c-forwarder]}" 'BEGIN { printf "%+.3f", d - c }')
echo "Targets:"
printf '  %-48s %-8s (%s x)\n' "(d) RPS >= 0.9 x (c) RPS" "$(verdict at_least "${RPS[d-gateway]}" "$(awk -v c="${RPS[c-forwarder]}" 'BEGIN { print 0.9 * c }')")" "$(ratio "${RPS[d-gateway]}" "${RPS[c-forwarder]}")"
printf '  %-48s %-8s (%s ms)\n' "(d) p50 <= (c) p50 + 0.3 ms" "$(verdict at_least 0.3 "$P50_DELTA")" "$P50_DELTA"
printf '  %-48s %-8s (%s x)\n' "(d) RPS >= 0.75 x nginx RPS" "$(verdict at_least "${RPS[d-gateway]}" "$(awk -v b="${RPS[b-nginx]}" 'BEGIN { print 0.75 * b }')")" "$(ratio "${RPS[d-gateway]}" "${RPS[b-nginx]}")"
printf '  %-48s %-8s (%s x)\n' "(for reference: (c) RPS vs nginx, about 0.8 x)" "" "$(ratio "${RPS[c-forwarder]}" "${RPS[b-nginx]}")"
TOTAL_ERRORS=$(( ${ERRORS[a-upstream]} + ${ERRORS[b-nginx]} + ${ERRORS[c-forwarder]} + ${ERRORS[d-gateway]} ))
[ "$TOTAL_ERRORS" = 0 ] || echo "WARNING: $TOTAL_ERRORS failed requests; the figures above do not measure successful calls only."
exit 0
