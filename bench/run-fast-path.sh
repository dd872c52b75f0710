#!/usr/bin/env bash
# Native fast path vs wrk: req/s and client CPU per request against one local nginx worker.
#
#   bash bench/run-fast-path.sh           run, print the section and add it to bench/RESULTS.md
#   bash bench/run-fast-path.sh --print   run and print the section only
#
# Starts nginx (apt's, on bench/nginx.conf in a temporary prefix: the system nginx config is never
# read or changed) on a free 127.0.0.1 port, then runs wrk and `volley run` alternately, ROUNDS
# times each, every client under /usr/bin/time. The bar: volley's median req/s >= 0.9x wrk's and
# its median CPU per request <= 1.5x wrk's, measured in the same run. About a minute.
# Installs nginx-light (or nginx), wrk and time with apt-get when they are missing. Needs a built
# volley (`npm run build`).
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION_S=${DURATION_S:-10}
CONNECTIONS=50
WRK_THREADS=2
SECTION='## Native fast path vs wrk'
BAR_RPS=0.9
BAR_CPU=1.5

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init fast-path "$@"
bench_install_missing nginx wrk time
bench_check_volley

bench_make_tmp
bench_start_nginx index.html

# --- clients ----------------------------------------------------------------------------------
wrk_cmd=(wrk "-t$WRK_THREADS" "-c$CONNECTIONS" "-d${DURATION_S}s" "$url")
volley_cmd=("${volley[@]}" run --url "$url" --vus "$CONNECTIONS" --duration "${DURATION_S}s"
  --quiet --address "")

load_before=$(bench_loadavg)
bench_watch_addon
rows=()    # "run tool rps requests user sys" per client run
notes=()
for r in $(seq "$ROUNDS"); do
  wrk_round "$r"
  rows+=("$r wrk $rps $requests $user $sys")

  log "round $r/$ROUNDS: volley"
  timed "volley.$r" "${volley_cmd[@]}" --summary-export "$tmp/volley.$r.json"
  read -r requests rps failed _ < <(summary_figures "$tmp/volley.$r.json")
  read -r user sys < <(tail -n1 "$tmp/volley.$r.time")
  rows+=("$r volley $rps $requests $user $sys")
  [ "$failed" != 0 ] && notes+=("run $r, volley: $failed failed requests (http_req_failed)")
done
load_after=$(bench_loadavg)
bench_note_addon_rebuilt

# --- report -----------------------------------------------------------------------------------
wrk_version=$(bench_wrk_version)
nginx_version=$(bench_nginx_version)
nginx_pkg=$({ dpkg-query -W -f='${db:Status-Abbrev}${Package} ${Version}\n' nginx-light nginx 2>/dev/null || true; } |
  awk '$1 == "ii" {printf "%s%s %s", sep, $2, $3; sep = ", "}')
volley_cmd_text="node bin/volley.js run --url $url --vus $CONNECTIONS --duration ${DURATION_S}s --quiet --address \"\" --summary-export FILE"

section_run=$tmp/run.md
printf '%s\n' "${rows[@]}" | awk -v bar_rps="$BAR_RPS" -v bar_cpu="$BAR_CPU" "$bench_awk_median"'
  {
    cpu_us = ($5 + $6) / $4 * 1e6
    printf "| %d | %s | %.0f | %d | %.2f | %.2f | %.2f |\n", $1, $2, $3, $4, $5, $6, cpu_us
    n[$2]++; rps[$2, n[$2]] = $3; cpu[$2, n[$2]] = cpu_us
  }
  END {
    medians()
    rr = mr["volley"] / mr["wrk"]; rc = mc["volley"] / mc["wrk"]
    printf "\nMedians: wrk %.0f req/s, %.2f µs CPU/request; volley %.0f req/s, %.2f µs CPU/request.\n",
      mr["wrk"], mc["wrk"], mr["volley"], mc["volley"]
    printf "volley/wrk: req/s %.2f (bar >= %s), CPU per request %.2f (bar <= %s): **%s**\n",
      rr, bar_rps, rc, bar_cpu, (rr >= bar_rps && rc <= bar_cpu) ? "PASS" : "FAIL"
  }' >"$tmp/table.md"

{
  echo "### Run of $(date '+%Y-%m-%d %H:%M %Z')"
  echo
  echo "Command: \`bash bench/run-fast-path.sh\` (nginx pid and port are per run). Load average"
  echo "$load_before before, $load_after after."
  echo
  bench_machine_line
  echo "- Versions: $(bench_versions_text); $wrk_version; $nginx_version${nginx_pkg:+ ($nginx_pkg)}."
  echo "- Target: \`$url\`, a $page_bytes-byte static page, nginx with one worker (\`bench/nginx.conf\`)."
  echo "- Clients, alternating, each as \`/usr/bin/time -f '$time_format' CMD\`:"
  echo "  \`${wrk_cmd[*]}\` and"
  echo "  \`$volley_cmd_text\`."
  echo
  echo "| run | tool | req/s | requests | user s | sys s | CPU µs/request |"
  echo "|---:|---|---:|---:|---:|---:|---:|"
  cat "$tmp/table.md"
  for note in "${notes[@]+"${notes[@]}"}"; do echo "- Note: $note"; done
} >"$section_run"

# Printed; unless --print, added to RESULTS.md with this introduction the first time.
bench_finish "$SECTION" "$section_run" <<EOF
The native fast path (\`volley run --url\`) against wrk on the same target, as the fast-path issue
asked: \`bash bench/run-fast-path.sh\` starts nginx (Debian's, one worker, \`bench/nginx.conf\`,
\`access_log off\`, keep-alive for 1,000,000 requests) on 127.0.0.1 serving a 612-byte page, then runs
wrk (2 threads, 50 connections) and volley (50 VUs) for 10 s each, alternately, three times each.
req/s is wrk's \`Requests/sec\` and volley's \`http_reqs.rate\` (count / measured test duration) from
its \`--summary-export\` JSON. CPU per request is the client's (user + sys) from \`/usr/bin/time\`
divided by its request count; for volley it includes starting Node (about 0.1 s of a run).
Server and client share the machine's cores, which is the setting the bar refers to: volley's
median req/s >= 0.9x wrk's and its median CPU per request <= 1.5x wrk's, in the same run.
See \`bench/README.md\`.
EOF
