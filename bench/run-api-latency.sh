#!/usr/bin/env bash
# REST API latency under load: how fast `volley run`'s API answers while the engine runs 50 VUs
# at full speed against one local nginx worker.
#
#   bash bench/run-api-latency.sh           run, print the section and add it to bench/RESULTS.md
#   bash bench/run-api-latency.sh --print   run and print the section only
#
# Starts nginx (apt's, on bench/nginx.conf in a temporary prefix: the system nginx config is never
# read or changed) on a free 127.0.0.1 port, then:
#   1. idle: a 2 s `volley run ... --linger`; once its test has ended (the engine idle, the API
#      serving the final metrics), the calls below; then SIGINT;
#   2. load: `volley run --url URL --vus 50 --duration 20s --address 127.0.0.1:0 --quiet
#      --summary-export FILE`; SETTLE_S (2) seconds for the load to reach full speed (the engine's
#      req/s over the last of them is read from the API, with no other API traffic); the calls.
# The calls, each series from its own `node bench/api-latency.js` process, one call at a time:
# CALLS (1000) GET /v1/status on one keep-alive connection, CALLS GET /v1/status on a fresh
# connection each, CALLS GET /v1/metrics on one keep-alive connection. The bar: p99 of the
# keep-alive /v1/status calls under load < 5 ms. About 25 seconds; all traffic on 127.0.0.1.
# Installs nginx-light (or nginx) with apt-get when it is missing. Needs a built volley
# (`npm run build`).
set -euo pipefail

CALLS=${CALLS:-1000}
WARMUP_CALLS=${WARMUP_CALLS:-20}
DURATION_S=${DURATION_S:-20}
SETTLE_S=${SETTLE_S:-2}
VUS=50
IDLE=${IDLE:-1}          # 0: skip the idle phase
PROGRESS=${PROGRESS:-0}  # 1: run the load without --quiet (progress line every second), to compare
SECTION='## REST API latency under load'
BAR_MS=5

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init api-latency "$@"
bench_install_missing nginx
bench_check_volley
client=(node "$repo/bench/api-latency.js")

bench_make_tmp
volley_pid=
cleanup() {
  stop_pid "$volley_pid" TERM
  bench_cleanup
}
trap cleanup EXIT
bench_start_nginx ""

# --- volley and the calls ---------------------------------------------------------------------
quiet=(--quiet)
[ "$PROGRESS" = 1 ] && quiet=()
load_cmd=("${volley[@]}" run --url "$url" --vus "$VUS" --duration "${DURATION_S}s"
  --address 127.0.0.1:0 "${quiet[@]+"${quiet[@]}"}" --summary-export "$tmp/summary.json")

# start_volley NAME ARGS...: starts volley in the background, sets volley_pid and api_url.
# With --quiet the bound URL is on stderr (`REST API: http://...`), else in the banner on stdout.
start_volley() {
  local name=$1; shift
  "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  volley_pid=$!
  api_url=
  for _ in $(seq 100); do
    api_url=$(sed -n 's/^ *REST API: \(http:[^ ]*\)$/\1/p' "$tmp/$name.out" "$tmp/$name.err" | head -n1)
    [ -n "$api_url" ] && break
    kill -0 "$volley_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$api_url" ]; then
    log "volley ($name) printed no REST API URL:"; cat "$tmp/$name.out" "$tmp/$name.err" >&2; exit 1
  fi
  case "$api_url" in http://127.0.0.1:*) ;; *) log "unexpected API URL $api_url"; exit 1 ;; esac
}

# series PHASE: the three series of calls against $api_url, one JSON line each in $tmp/PHASE.jsonl.
series() {
  local phase=$1
  : >"$tmp/$phase.jsonl"
  log "$phase: $CALLS x GET /v1/status (keep-alive)"
  "${client[@]}" "$api_url" /v1/status --calls "$CALLS" --warmup "$WARMUP_CALLS" >>"$tmp/$phase.jsonl"
  log "$phase: $CALLS x GET /v1/status (fresh connection each)"
  "${client[@]}" "$api_url" /v1/status --calls "$CALLS" --warmup "$WARMUP_CALLS" --fresh >>"$tmp/$phase.jsonl"
  log "$phase: $CALLS x GET /v1/metrics (keep-alive)"
  "${client[@]}" "$api_url" /v1/metrics --calls "$CALLS" --warmup "$WARMUP_CALLS" >>"$tmp/$phase.jsonl"
}

# wait_volley: waits for volley to exit (at most the test's duration + 30 s), sets volley_rc.
wait_volley() {
  local limit=$(( (DURATION_S + 30) * 10 ))
  for _ in $(seq "$limit"); do kill -0 "$volley_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$volley_pid" 2>/dev/null; then log "volley did not exit"; exit 1; fi
  volley_rc=0
  wait "$volley_pid" || volley_rc=$?
  volley_pid=
}

load_before=$(bench_loadavg)
if [ "$IDLE" = 1 ]; then
  # Reference with the engine idle: a 2 s test with --linger; once it has ended, its API serves
  # the final metrics (the same set as under load) while nothing else runs in volley.
  start_volley idle "${volley[@]}" run --url "$url" --vus "$VUS" --duration 2s \
    --address 127.0.0.1:0 --quiet --linger --summary-mode disabled
  log "idle: volley (pid $volley_pid) API at $api_url; waiting for its 2 s test to end"
  node -e '
    const http = require("node:http");
    const until = Date.now() + 10000;
    (function poll() {
      http.get(process.argv[1] + "/v1/status", (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => {
          if (JSON.parse(body).data.attributes.running === false) return;
          if (Date.now() > until) { console.error("the idle test did not end"); process.exit(1); }
          setTimeout(poll, 100);
        });
      });
    })();' "$api_url"
  series idle
  stop_pid "$volley_pid" INT
  volley_pid=
fi

start_volley load "${load_cmd[@]}"
load_started=$(date +%s.%N)
log "load: volley (pid $volley_pid, $VUS VUs for ${DURATION_S}s) API at $api_url; waiting ${SETTLE_S}s"
# The engine's rate with no API calls running, over the last second before the calls.
sleep "$(awk -v s="$SETTLE_S" 'BEGIN{print (s > 1 ? s - 1 : 0)}')"
alone_rps=$("${client[@]}" "$api_url" --rate-ms 1000 | node -e 'console.log(JSON.parse(require("fs").readFileSync(0)).reqsPerS)')
calls_started=$(date +%s.%N)
series load
load_calls_done=$(date +%s.%N)
log "load: calls done $(awk -v a="$load_started" -v b="$load_calls_done" 'BEGIN{printf "%.1f", b - a}') s after the start; waiting for the test to end"
wait_volley
load_after=$(bench_loadavg)
if [ ! -s "$tmp/summary.json" ]; then
  log "no summary export (volley exit code $volley_rc):"; cat "$tmp/load.out" "$tmp/load.err" >&2; exit 1
fi
read -r run_reqs run_rps run_failed _ < <(summary_figures "$tmp/summary.json" 0)

# --- report -----------------------------------------------------------------------------------
nginx_version=$(bench_nginx_version)
bench_find_addon
quiet_text=" --quiet"
[ "$PROGRESS" = 1 ] && quiet_text=""
# Settings that differ from the defaults, to show with the command.
settings=
[ "$CALLS" != 1000 ] && settings+="CALLS=$CALLS "
[ "$WARMUP_CALLS" != 20 ] && settings+="WARMUP_CALLS=$WARMUP_CALLS "
[ "$DURATION_S" != 20 ] && settings+="DURATION_S=$DURATION_S "
[ "$SETTLE_S" != 2 ] && settings+="SETTLE_S=$SETTLE_S "
[ "$IDLE" != 1 ] && settings+="IDLE=$IDLE "
[ "$PROGRESS" != 0 ] && settings+="PROGRESS=$PROGRESS "
load_cmd_text="node bin/volley.js run --url $url --vus $VUS --duration ${DURATION_S}s --address 127.0.0.1:0$quiet_text --summary-export FILE"

# One row per series; the verdict from the keep-alive /v1/status series under load.
phases=(load)
[ "$IDLE" = 1 ] && phases=(idle load)
for phase in "${phases[@]}"; do sed "s/^/$phase /" "$tmp/$phase.jsonl"; done >"$tmp/all.jsonl"
node - "$tmp/all.jsonl" "$BAR_MS" >"$tmp/table.md" <<'EOF'
const fs = require('node:fs');
const [file, barText] = process.argv.slice(2);
const bar = Number(barText);
const rows = fs.readFileSync(file, 'utf8').trim().split('\n').map((line) => {
  const i = line.indexOf(' ');
  return { phase: line.slice(0, i), ...JSON.parse(line.slice(i + 1)) };
});
const f = (x) => x.toFixed(2);
console.log('| phase | call | connection | min ms | p50 ms | p90 ms | p99 ms | max ms | calls >= 5 ms | errors | body bytes | load req/s during the calls |');
console.log('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const load = r.phase === 'idle' ? '0 (test ended)' : r.test.reqsPerS === null ? 'n/a' : String(r.test.reqsPerS);
  const body = `${r.bodyBytes}${r.items === null ? '' : ` (${r.items} metrics)`}`;
  console.log(`| ${r.phase} | GET ${r.path} | ${r.connection} | ${f(r.min)} | ${f(r.p50)} | ${f(r.p90)} | **${f(r.p99)}** | ${f(r.max)} | ${r.over5ms} | ${r.errors} | ${body} | ${load} |`);
}
const key = rows.find((r) => r.phase === 'load' && r.path === '/v1/status' && r.connection === 'keep-alive');
const notes = [];
for (const r of rows.filter((x) => x.phase === 'load')) {
  if (r.test.runningBefore !== true || r.test.runningAfter !== true) {
    notes.push(`the test was not running throughout GET ${r.path} (${r.connection}): running ${r.test.runningBefore} before, ${r.test.runningAfter} after`);
  }
  if (r.test.vusBefore !== 50 || r.test.vusAfter !== 50) notes.push(`GET ${r.path} (${r.connection}): ${r.test.vusBefore} VUs before, ${r.test.vusAfter} after`);
}
const pass = key && key.p99 < bar && key.errors === 0 && notes.length === 0;
console.log('');
console.log(`Bar: p99 of GET /v1/status (keep-alive) under load < ${bar} ms: ${key ? f(key.p99) : 'n/a'} ms: **${pass ? 'PASS' : 'FAIL'}**`);
for (const n of notes) console.log(`- Note: ${n}`);
EOF

section_run=$tmp/run.md
{
  echo "### Run of $(date '+%Y-%m-%d %H:%M %Z')"
  echo
  echo "Command: \`${settings}bash bench/run-api-latency.sh\`"
  echo "(nginx and API ports are per run). Load average $load_before before, $load_after after."
  echo
  bench_machine_line
  echo "- Versions: $(bench_versions_text); $nginx_version."
  echo "- Load: \`$load_cmd_text\` against nginx with one worker (\`bench/nginx.conf\`, a $page_bytes-byte page);"
  echo "  the calls start ${SETTLE_S} s after the API URL is printed. Engine alone (the second before"
  echo "  the calls, no API traffic): **$alone_rps req/s**; whole run: **$run_rps req/s** (\`http_reqs.rate\` from"
  echo "  the summary export), $run_reqs requests, $run_failed failed, exit code $volley_rc. The calls"
  echo "  took $(awk -v a="$calls_started" -v b="$load_calls_done" 'BEGIN{printf "%.1f", b - a}') s of the ${DURATION_S} s."
  [ "$IDLE" = 1 ] && echo "- Idle: \`node bin/volley.js run --url $url --vus $VUS --duration 2s --address 127.0.0.1:0 --quiet --linger --summary-mode disabled\`, measured after its test ended, then SIGINT."
  echo "- Calls: \`node bench/api-latency.js API_URL PATH --calls $CALLS --warmup $WARMUP_CALLS [--fresh]\`, one process"
  echo "  per row, one call at a time; each call timed from \`http.request()\` to the end of the body."
  echo
  cat "$tmp/table.md"
} >"$section_run"

# Printed; unless --print, added to RESULTS.md with this introduction the first time.
bench_finish "$SECTION" "$section_run" <<EOF
Whether the REST API stays responsive while the engine runs at full speed, as the API-latency
issue asked: GET /v1/status must answer in under 5 ms (p99 over 1000 calls) while \`volley run\`
drives 50 VUs against a local nginx worker. \`bash bench/run-api-latency.sh\` starts nginx (as
\`bench/run-fast-path.sh\` does); first a 2 s test with \`--linger\`, whose API is measured once the
test has ended (engine idle: the reference rows), then
\`volley run --vus 50 --duration 20s --address 127.0.0.1:0 --quiet\`. 2 s into that test it makes
1000 sequential GET /v1/status calls on one keep-alive connection, 1000 with a fresh connection
each, and 1000 GET /v1/metrics (every metric, trends with k6's six stats) on one keep-alive
connection, each series from its own Node process (\`bench/api-latency.js\`, 20 untimed warm-up
calls first). Each call is timed with \`process.hrtime.bigint()\` from \`http.request()\` to the end
of the body; percentiles are nearest-rank. "load req/s during the calls" is the change of
\`http_reqs\` (read from the API just before and after each series) over that time; "engine alone"
is the same over the second before the calls, and the whole run's \`http_reqs.rate\` comes from
\`--summary-export\`. The client, the engine's threads, volley's main thread (which serves the API)
and nginx share the machine's cores. See \`bench/README.md\`.
EOF
