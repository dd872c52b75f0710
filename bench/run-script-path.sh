#!/usr/bin/env bash
# Script path vs wrk: a k6 script (one GET and one check per iteration, bench/script-path.js) run
# by volley's JS VUs, against wrk on the same local nginx worker; plus the memory per VU.
#
#   bash bench/run-script-path.sh           run, print the section and add it to bench/RESULTS.md
#   bash bench/run-script-path.sh --print   run and print the section only
#
# Starts nginx (apt's, on bench/nginx.conf in a temporary prefix: the system nginx config is never
# read or changed) on a free 127.0.0.1 port, then runs wrk and `volley run bench/script-path.js`
# alternately, ROUNDS times each, every client under /usr/bin/time. The bar (issue 4): volley's
# median req/s >= 0.5x wrk's and its median CPU per request <= 3x wrk's, in the same run. Then
# the peak RSS of volley runs with MEM_VUS VUs (50, 500 and 1000 by default): memory per VU is
# (rss500 - rss50) / 450. With K6=/path/to/k6 (or K6=build: go install go.k6.io/k6@v0.49.0 into a
# temporary GOPATH under K6_CACHE, /tmp/volley-k6 by default, outside the repository) real k6
# runs the same script in the same rounds, for comparison. About two minutes (plus k6's rounds).
# Installs nginx-light (or nginx), wrk and time with apt-get when they are missing. Needs a built
# volley (`npm run build`).
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION_S=${DURATION_S:-10}
MEM_VUS=${MEM_VUS:-50 500 1000}
MEM_DURATION_S=${MEM_DURATION_S:-5}
K6=${K6:-}
K6_VERSION=v0.49.0
K6_CACHE=${K6_CACHE:-/tmp/volley-k6}
CONNECTIONS=50
WRK_THREADS=2
SECTION='## Script path vs wrk'
BAR_RPS=0.5
BAR_CPU=3

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init script-path "$@"
script=bench/script-path.js
bench_install_missing nginx wrk time
bench_check_volley

# k6 for comparison, optional. K6=build: go install into a GOPATH of its own, outside the repo.
if [ "$K6" = build ]; then
  K6=$K6_CACHE/bin/k6
  if [ ! -x "$K6" ]; then
    log "building k6 $K6_VERSION into $K6_CACHE (go install, a few minutes)"
    mkdir -p "$K6_CACHE/gopath"
    if ! (cd "$K6_CACHE" && env GOPATH="$K6_CACHE/gopath" GOBIN="$K6_CACHE/bin" GOCACHE="$K6_CACHE/cache" \
        GOFLAGS=-mod=mod timeout 600 go install "go.k6.io/k6@$K6_VERSION") >"$K6_CACHE/build.log" 2>&1; then
      log "k6 did not build (see $K6_CACHE/build.log): going on without it"
      K6=
    fi
  fi
fi
if [ -n "$K6" ] && ! k6_version=$("$K6" version 2>&1 | head -n1); then
  log "$K6 does not run: going on without k6"
  K6=
fi

bench_make_tmp
bench_start_nginx index.html

# --- clients ----------------------------------------------------------------------------------
wrk_cmd=(wrk "-t$WRK_THREADS" "-c$CONNECTIONS" "-d${DURATION_S}s" "$url")
script_cmd() { # script_cmd TOOL VUS DURATION_S: sets cmd=(...)
  if [ "$1" = volley ]; then
    cmd=("${volley[@]}" run "$script" --vus "$2" --duration "${3}s" -e "URL=$url" --quiet --address "")
  else
    cmd=("$K6" run --vus "$2" --duration "${3}s" -e "URL=$url" --quiet --no-usage-report --address "" "$script")
  fi
}

tools=(volley)
[ -n "$K6" ] && tools+=(k6)
load_before=$(bench_loadavg)
bench_watch_addon
rows=()    # "run tool rps requests user sys checks_passed checks_failed" per client run
mem_rows=() # "tool vus rss_kib rps requests" per memory run
notes=()
time_format='%U %S %M'
# run_script_tool TOOL NAME VUS DURATION_S LABEL [SUFFIX]: a timed run of the script; sets
# requests, rps, passes and fails from its summary export and notes failed requests and checks
# as "LABEL: N failed requests[SUFFIX]" and "LABEL: N failed checks".
run_script_tool() {
  local tool=$1 name=$2 label=$5 suffix=${6:-} cmd failed
  script_cmd "$tool" "$3" "$4"
  timed "$name" "${cmd[@]}" --summary-export "$tmp/$name.json"
  read -r requests rps failed passes fails < <(summary_figures "$tmp/$name.json")
  [ "$failed" != 0 ] && notes+=("$label: $failed failed requests$suffix")
  [ "$fails" != 0 ] && notes+=("$label: $fails failed checks")
  return 0
}

for r in $(seq "$ROUNDS"); do
  wrk_round "$r"
  rows+=("$r wrk $rps $requests $user $sys - -")

  for tool in "${tools[@]}"; do
    log "round $r/$ROUNDS: $tool"
    run_script_tool "$tool" "$tool.$r" "$CONNECTIONS" "$DURATION_S" "run $r, $tool" " (http_req_failed)"
    read -r user sys _ < <(tail -n1 "$tmp/$tool.$r.time")
    rows+=("$r $tool $rps $requests $user $sys $passes $fails")
  done
done

# Memory: one run per VU count, peak RSS of the whole process tree's largest process (%M).
for vus in $MEM_VUS; do
  for tool in "${tools[@]}"; do
    log "memory: $tool with $vus VUs"
    run_script_tool "$tool" "mem.$tool.$vus" "$vus" "$MEM_DURATION_S" "memory run with $vus VUs, $tool"
    read -r _ _ rss < <(tail -n1 "$tmp/mem.$tool.$vus.time")
    mem_rows+=("$tool $vus $rss $rps $requests")
  done
done
load_after=$(bench_loadavg)
bench_note_addon_rebuilt

# --- report -----------------------------------------------------------------------------------
wrk_version=$(bench_wrk_version)
nginx_version=$(bench_nginx_version)
volley_cmd_text="node bin/volley.js run $script --vus $CONNECTIONS --duration ${DURATION_S}s -e URL=$url --quiet --address \"\" --summary-export FILE"
k6_cmd_text="k6 run --vus $CONNECTIONS --duration ${DURATION_S}s -e URL=$url --quiet --no-usage-report --address \"\" --summary-export FILE $script"

printf '%s\n' "${rows[@]}" | awk -v bar_rps="$BAR_RPS" -v bar_cpu="$BAR_CPU" "$bench_awk_median"'
  {
    cpu_us = ($5 + $6) / $4 * 1e6
    checks = $7 == "-" ? "-" : sprintf("%d / %d", $7, $7 + $8)
    printf "| %d | %s | %.0f | %d | %s | %.2f | %.2f | %.2f |\n", $1, $2, $3, $4, checks, $5, $6, cpu_us
    if (!($2 in n)) order[++tools] = $2
    n[$2]++; rps[$2, n[$2]] = $3; cpu[$2, n[$2]] = cpu_us
  }
  END {
    medians()
    printf "\nMedians:"
    for (i = 1; i <= tools; i++) printf "%s %s %.0f req/s, %.2f µs CPU/request", (i > 1 ? ";" : ""), order[i], mr[order[i]], mc[order[i]]
    printf ".\n"
    if ("k6" in n)
      printf "k6/wrk: req/s %.2f, CPU per request %.2f (for comparison, no bar).\n", mr["k6"] / mr["wrk"], mc["k6"] / mc["wrk"]
    rr = mr["volley"] / mr["wrk"]; rc = mc["volley"] / mc["wrk"]
    printf "volley/wrk: req/s %.2f (bar >= %s), CPU per request %.2f (bar <= %s): **%s**\n",
      rr, bar_rps, rc, bar_cpu, (rr >= bar_rps && rc <= bar_cpu) ? "PASS" : "FAIL"
  }' >"$tmp/table.md"

printf '%s\n' "${mem_rows[@]}" | awk '
  {
    printf "| %s | %d | %.1f | %.0f | %d |\n", $1, $2, $3 / 1024, $4, $5
    rss[$1, $2] = $3; if (!($1 in seen)) { seen[$1] = 1; order[++tools] = $1 }
  }
  END {
    for (i = 1; i <= tools; i++) {
      t = order[i]
      if ((t, 50) in rss && (t, 500) in rss)
        printf "%s%s: %.0f KiB per VU ((rss500 - rss50) / 450)", (i > 1 ? "; " : "\nMemory per VU: "), t, (rss[t, 500] - rss[t, 50]) / 450
      if ((t, 50) in rss && (t, 1000) in rss)
        printf ", %.0f KiB ((rss1000 - rss50) / 950)", (rss[t, 1000] - rss[t, 50]) / 950
    }
    printf ".\n"
  }' >"$tmp/mem.md"

section_run=$tmp/run.md
{
  echo "### Run of $(date '+%Y-%m-%d %H:%M %Z')"
  echo
  echo "Command: \`bash bench/run-script-path.sh\`${K6:+ with \`K6=\` a k6 $K6_VERSION built by \`go install\`} (nginx pid and"
  echo "port are per run). Load average $load_before before, $load_after after."
  echo
  bench_machine_line
  echo "- Versions: $(bench_versions_text); $wrk_version; $nginx_version${K6:+; $k6_version}."
  echo "- Target: \`$url\`, a $page_bytes-byte static page, nginx with one worker (\`bench/nginx.conf\`)."
  echo "- Script: \`$script\`, one \`http.get(__ENV.URL)\` and one \`check\` (status is 200) per iteration."
  echo "- Clients, alternating, each as \`/usr/bin/time -f '$time_format' CMD\`:"
  echo "  \`${wrk_cmd[*]}\`,"
  if [ -n "$K6" ]; then
    echo "  \`$volley_cmd_text\` and"
    echo "  \`$k6_cmd_text\`."
  else
    echo "  \`$volley_cmd_text\`."
  fi
  echo
  echo "| run | tool | req/s | requests | checks passed | user s | sys s | CPU µs/request |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|"
  cat "$tmp/table.md"
  echo
  echo "Memory: peak RSS (\`%M\`) of one ${MEM_DURATION_S} s run per VU count, the same command with \`--vus N --duration ${MEM_DURATION_S}s\`."
  echo
  echo "| tool | VUs | peak RSS MiB | req/s | requests |"
  echo "|---|---:|---:|---:|---:|"
  cat "$tmp/mem.md"
  for note in "${notes[@]+"${notes[@]}"}"; do echo "- Note: $note"; done
} >"$section_run"

# Printed; unless --print, added to RESULTS.md with this introduction the first time.
bench_finish "$SECTION" "$section_run" <<EOF
The script path (JS VUs in worker threads, every iteration granted by the engine's executor, every
request through the engine) against wrk on the same target, as issue 4 asked: \`bash
bench/run-script-path.sh\` starts nginx (Debian's, one worker, \`bench/nginx.conf\`, \`access_log
off\`, keep-alive for 1,000,000 requests) on 127.0.0.1 serving a 612-byte page, then runs wrk (2
threads, 50 connections) and \`volley run bench/script-path.js\` (50 VUs; each iteration one
\`http.get\` and one \`check\`) for 10 s each, alternately, three times each. req/s is wrk's
\`Requests/sec\` and volley's \`http_reqs.rate\` (count / measured test duration) from its
\`--summary-export\` JSON. CPU per request is the client's (user + sys) from \`/usr/bin/time\` divided
by its request count; volley's includes starting Node, its worker threads and loading the script
into every VU. The bar: volley's median req/s >= 0.5x wrk's and its median CPU per request <= 3x
wrk's, in the same run (k6 itself needs about 7x). Memory per VU: the peak RSS of 5 s runs with
500 and 50 VUs, (rss500 - rss50) / 450. With \`K6=\` set, real k6 runs the same script in the same
rounds. See \`bench/README.md\`.
EOF
