#!/usr/bin/env bash
# What the shared limit store costs a request: gw with [limits] rpm and max_parallel counted in
# memory against the same gw with the counts in Redis ([limits] redis, a redis-server on
# 127.0.0.1; the parallel cap gives each settlement a slot to give back), the same
# fake upstream, 1 connection, non-streamed, in interleaved rounds (medians over the rounds,
# as bench/run does). Prints a Markdown section on stdout. bench/run measures the same point in
# its own rounds; this script is the focused version, for work on the Redis path:
# BENCH_BASE_BIN adds a third gw, a build from before a change, counting in the same Redis, in
# the same rounds ("redis (before)").
#
#   BENCH_GW_BIN=build/bench-release/gw BENCH_FAKE_BIN=build/bench-release/gw_fake_upstream \
#     [BENCH_BASE_BIN=/path/to/old/gw] bench/redis_limits.sh
#
# Environment: BENCH_ROUNDS (default 10), BENCH_DURATION (s per round, default 1). Every process
# started here is stopped by its PID; only 127.0.0.1 is used.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
GW_BIN=${BENCH_GW_BIN:-$ROOT/build/bench-release/gw}
FAKE_BIN=${BENCH_FAKE_BIN:-$ROOT/build/bench-release/gw_fake_upstream}
ROUNDS=${BENCH_ROUNDS:-10}
DUR=${BENCH_DURATION:-1}
T0=$(date +%s)
log() { printf '[redis-bench %3ds] %s\n' "$(($(date +%s) - T0))" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}
for t in redis-server wrk curl ss; do command -v "$t" >/dev/null || die "$t is missing (scripts/setup)"; done
[ -x "$GW_BIN" ] && [ -x "$FAKE_BIN" ] || die "set BENCH_GW_BIN and BENCH_FAKE_BIN"
BASE_BIN=${BENCH_BASE_BIN:-}
[ -z "$BASE_BIN" ] || [ -x "$BASE_BIN" ] || die "BENCH_BASE_BIN=$BASE_BIN is not an executable"

SCRATCH=$(mktemp -d /tmp/gw-redis-bench.XXXXXX)
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -rf "$SCRATCH"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 40000))
    [ -z "$(ss -Htan "sport = :$p" 2>/dev/null)" ] && { echo "$p"; return; }
  done
  die "no free port found"
}
wait_for_line() {  # wait_for_line FILE REGEX PID → the first match
  local f=$1 re=$2 pid=$3
  for _ in $(seq 200); do
    if grep -Eo "$re" "$f" 2>/dev/null | head -1 | grep .; then return 0; fi
    kill -0 "$pid" 2>/dev/null || die "process $pid exited early: $(tail -5 "$f" 2>/dev/null)"
    sleep 0.05
  done
  die "timed out waiting for '$re' in $f"
}

"$FAKE_BIN" --port 0 --host 127.0.0.1 --threads 64 >"$SCRATCH/fake.out" 2>&1 &
PIDS+=($!)
FAKE_PORT=$(wait_for_line "$SCRATCH/fake.out" 'PORT [0-9]+' "${PIDS[-1]}" | awk '{print $2}')
REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no >"$SCRATCH/redis.out" 2>&1 &
PIDS+=($!)
wait_for_line "$SCRATCH/redis.out" 'Ready to accept connections' "${PIDS[-1]}" >/dev/null

declare -A PORT PID
start_gw() {  # start_gw NAME EXTRA-LIMITS-LINES [BINARY]
  local name=$1 dir=$SCRATCH/$1 bin=${3:-$GW_BIN}
  mkdir -p "$dir"
  cat >"$dir/config.toml" <<EOF
[providers.fake]
kind = "openai"
base_url = "http://127.0.0.1:$FAKE_PORT/v1"
api_key = "sk-bench"
[limits]
rpm = 1000000000
max_parallel = 1000000
$2
EOF
  env -u OPENAI_API_KEY -u ANTHROPIC_API_KEY -u GEMINI_API_KEY -u HTTP_PROXY -u HTTPS_PROXY \
    -u http_proxy -u https_proxy GW_DB="$dir/gw.db" XDG_CONFIG_HOME="$dir" NO_COLOR=1 \
    "$bin" --config "$dir/config.toml" serve --listen 127.0.0.1:0 >"$dir/out" 2>&1 &
  PID[$name]=$!
  PIDS+=($!)
  PORT[$name]=$(wait_for_line "$dir/out" 'listening on http://127\.0\.0\.1:[0-9]+' "${PID[$name]}" | sed 's/.*://')
}
start_gw memory ""
start_gw redis "redis = \"redis://127.0.0.1:$REDIS_PORT/0\""
TARGETS=(memory redis)
if [ -n "$BASE_BIN" ]; then
  start_gw redisbase "redis = \"redis://127.0.0.1:$REDIS_PORT/0\"" "$BASE_BIN"
  TARGETS+=(redisbase)
fi

WORDS=(the quick brown fox jumps over a lazy dog while seven wizards quietly judge boxing)
PROMPT=""
i=0
while [ ${#PROMPT} -lt 1000 ]; do PROMPT+="${WORDS[$((i % ${#WORDS[@]}))]} "; i=$((i + 1)); done
printf '{"model":"fake/bench+words=180","messages":[{"role":"user","content":"%s"}]}' "$PROMPT" >"$SCRATCH/body.json"
for tg in "${TARGETS[@]}"; do  # sanity: both answer, and the Redis one counted in Redis
  code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -H 'x-gw-user: bench' --data-binary @"$SCRATCH/body.json" "http://127.0.0.1:${PORT[$tg]}/v1/chat/completions")
  [ "$code" = 200 ] || die "gw ($tg) answered $code"
done
redis-cli -p "$REDIS_PORT" exists gw:r:u:bench | grep -q 1 || die "the Redis gw did not count in Redis"

declare -A P50 P99
run() {  # run TARGET ROUND
  local out=$SCRATCH/wrk.$1.$2 line
  BENCH_BODY=$SCRATCH/body.json timeout $((DUR + 30)) wrk -t1 -c1 -d"${DUR}s" --timeout 10s \
    --latency -s bench/lib/post.lua -H 'x-gw-user: bench' \
    "http://127.0.0.1:${PORT[$1]}/v1/chat/completions" >"$out" 2>&1 || true
  line=$(grep '^BENCH ' "$out" || true)
  [ -n "$line" ] || die "wrk gave no result for $1: $(tail -3 "$out")"
  P50[$1]+=" $(echo "$line" | grep -o 'p50=[0-9]*' | cut -d= -f2)"
  P99[$1]+=" $(echo "$line" | grep -o 'p99=[0-9]*' | cut -d= -f2)"
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR] = $1} END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

log "warm-up, then $ROUNDS interleaved rounds of $DUR s at 1 connection"
for tg in "${TARGETS[@]}"; do run "$tg" 0; done
redis-cli -p "$REDIS_PORT" config resetstat >/dev/null
P50=() P99=()
order=("${TARGETS[@]}")
for round in $(seq "$ROUNDS"); do
  for tg in "${order[@]}"; do run "$tg" "$round"; done
  order=("${order[@]:1}" "${order[0]}")
done
m50=$(echo "${P50[memory]}" | median) r50=$(echo "${P50[redis]}" | median)
m99=$(echo "${P99[memory]}" | median) r99=$(echo "${P99[redis]}" | median)
log "memory p50 $m50 us p99 $m99 us; redis p50 $r50 us p99 $r99 us"
# Where the time goes: a bare round trip (redis-cli --latency: PINGs 10 ms apart, so each one
# wakes both sides, as a request at 1 connection does) and the scripts' own time in Redis.
RTT=$(timeout 10 redis-cli -p "$REDIS_PORT" --latency --raw 2>/dev/null | awk '{printf "%d", $3 * 1000}')
SCRIPT_US=$(redis-cli -p "$REDIS_PORT" info commandstats | tr -d '\r' |
  awk -F'[=,]' '/^cmdstat_evalsha:/ { for (i = 1; i < NF; i++) if ($i == "usec_per_call") printf "%.0f", $(i + 1) }')
log "PING round trip ${RTT:-?} us; EVALSHA ${SCRIPT_US:-?} us per call inside Redis"
BASE_ROWS=""
if [ -n "$BASE_BIN" ]; then
  b50=$(echo "${P50[redisbase]}" | median) b99=$(echo "${P99[redisbase]}" | median)
  log "redis (before) p50 $b50 us p99 $b99 us"
  BASE_ROWS="| redis (before: \`$BASE_BIN\`) | $b50 µs | $b99 µs |
| added by Redis before | $((b50 - m50)) µs | $((b99 - m99)) µs |"
fi
cat <<EOF
## The shared limit store (\`[limits] redis\`)

gw with \`[limits] rpm\` and \`max_parallel\` (set never to refuse) counted in memory against
the same gw counting in a local redis-server (one EVALSHA waited for at admission; the
settlement's EVALSHA is sent without waiting for its reply), same fake upstream, 1 connection,
non-streamed (1 KB prompt, \`words=180\`), medians over $ROUNDS interleaved rounds of $DUR s.

| limit store | p50 | p99 |
|---|---:|---:|
| memory | $m50 µs | $m99 µs |
| redis | $r50 µs | $r99 µs |
| **added by Redis** | **$((r50 - m50)) µs** | $((r99 - m99)) µs |
$BASE_ROWS

Where the time goes: a bare loopback round trip to this redis-server (\`redis-cli --latency\`,
PINGs 10 ms apart) averaged ${RTT:-?} µs; the scripts ran ${SCRIPT_US:-?} µs per call inside
Redis (INFO commandstats, admit and settle together).
EOF
