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

mode=append
case "${1:-}" in
  "") ;;
  --print) mode=print ;;
  *) echo "usage: bash bench/run-script-path.sh [--print]" >&2; exit 2 ;;
esac

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
results=bench/RESULTS.md
script=bench/script-path.js

log() { echo "run-script-path: $*" >&2; }

# --- tools ------------------------------------------------------------------------------------
install_missing() {
  local pkgs=()
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || pkgs+=(nginx)
  command -v wrk >/dev/null 2>&1 || pkgs+=(wrk)
  [ -x /usr/bin/time ] || pkgs+=(time)
  [ ${#pkgs[@]} -eq 0 ] && return 0
  log "installing: ${pkgs[*]}"
  # Keep the packages' postinst from starting the system nginx on port 80: a policy-rc.d that
  # refuses every start, only for this install and only if the machine has none of its own.
  local policy=/usr/sbin/policy-rc.d own_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  local p
  for p in "${pkgs[@]}"; do
    if [ "$p" = nginx ]; then
      apt-get install -y -qq nginx-light >/dev/null || apt-get install -y -qq nginx >/dev/null
    else
      apt-get install -y -qq "$p" >/dev/null
    fi
  done
  [ -n "$own_policy" ] && rm -f "$policy"
  return 0
}
install_missing
export PATH="$PATH:/usr/sbin"

volley=(node "$repo/bin/volley.js")
if ! volley_version=$("${volley[@]}" version 2>&1); then
  log "volley does not start (run 'npm run build' first): $volley_version"
  exit 1
fi

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

# --- nginx ------------------------------------------------------------------------------------
tmp=$(mktemp -d /tmp/volley-script-path.XXXXXX)
nginx_pid=
cleanup() {
  if [ -n "$nginx_pid" ] && kill -0 "$nginx_pid" 2>/dev/null; then
    kill -QUIT "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The nginx worker runs as an unprivileged user when we are root: it must be able to read the page.
chmod 755 "$tmp"
mkdir -p "$tmp/html" "$tmp/logs" "$tmp/tmp"
# nginx's welcome page of old, 612 bytes.
cat >"$tmp/html/index.html" <<'EOF'
<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
    body {
        width: 35em;
        margin: 0 auto;
        font-family: Tahoma, Verdana, Arial, sans-serif;
    }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
EOF
page_bytes=$(wc -c <"$tmp/html/index.html")

port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();})')
sed "s/@PORT@/$port/" bench/nginx.conf >"$tmp/nginx.conf"
# -e: nginx opens its error log before reading the config; keep that one in the prefix too.
nginx -p "$tmp/" -c "$tmp/nginx.conf" -e "$tmp/logs/error.log" &
nginx_pid=$!
for _ in $(seq 50); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  kill -0 "$nginx_pid" 2>/dev/null || { log "nginx did not start:"; cat "$tmp/logs/error.log" >&2; exit 1; }
  sleep 0.1
done
url="http://127.0.0.1:$port/index.html"
log "nginx (pid $nginx_pid) serving $url ($page_bytes bytes)"

# --- clients ----------------------------------------------------------------------------------
wrk_cmd=(wrk "-t$WRK_THREADS" "-c$CONNECTIONS" "-d${DURATION_S}s" "$url")
script_cmd() { # script_cmd TOOL VUS DURATION_S: sets cmd=(...)
  if [ "$1" = volley ]; then
    cmd=("${volley[@]}" run "$script" --vus "$2" --duration "${3}s" -e "URL=$url" --quiet --address "")
  else
    cmd=("$K6" run --vus "$2" --duration "${3}s" -e "URL=$url" --quiet --no-usage-report --address "" "$script")
  fi
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# Each volley run loads the addon afresh: a rebuild during the rounds would mix two builds.
addon=$(ls -t "$repo"/native/*.node 2>/dev/null | head -n1 || true)
addon_mtime() { [ -n "$addon" ] && stat -c %Y "$addon" 2>/dev/null || echo none; }
addon_mtime_before=$(addon_mtime)
rows=()    # "run tool rps requests user sys checks_passed checks_failed" per client run
mem_rows=() # "tool vus rss_kib rps requests" per memory run
notes=()
timed() { # timed NAME CMD...: runs CMD under /usr/bin/time, output in $tmp/NAME.{out,time}
  local name=$1; shift
  if ! /usr/bin/time -f '%U %S %M' -o "$tmp/$name.time" "$@" >"$tmp/$name.out" 2>&1; then
    log "$name failed:"; cat "$tmp/$name.out" >&2; exit 1
  fi
}
# "count rate failed passes fails" from a k6-format --summary-export file (volley's and k6's).
summary_figures() {
  node -e '
    const m = require(process.argv[1]).metrics;
    const failed = m.http_req_failed ? Math.round(m.http_req_failed.value * m.http_reqs.count) : 0;
    const c = m.checks || { passes: 0, fails: 0 };
    console.log(m.http_reqs.count, m.http_reqs.rate.toFixed(2), failed, c.passes, c.fails);' "$1"
}
run_script_tool() { # run_script_tool TOOL NAME VUS DURATION_S: a timed run of the script
  local tool=$1 name=$2 cmd
  script_cmd "$tool" "$3" "$4"
  timed "$name" "${cmd[@]}" --summary-export "$tmp/$name.json"
}

for r in $(seq "$ROUNDS"); do
  log "round $r/$ROUNDS: wrk"
  timed "wrk.$r" "${wrk_cmd[@]}"
  # "  109124 requests in 3.03s, 88.77MB read" and "Requests/sec:  35986.11"
  requests=$(awk '/ requests in /{print $1}' "$tmp/wrk.$r.out")
  rps=$(awk '/^Requests\/sec:/{print $2}' "$tmp/wrk.$r.out")
  read -r user sys _ < <(tail -n1 "$tmp/wrk.$r.time")
  rows+=("$r wrk $rps $requests $user $sys - -")
  errors=$(grep -E 'Socket errors|Non-2xx' "$tmp/wrk.$r.out" || true)
  [ -n "$errors" ] && notes+=("run $r, wrk: $(echo "$errors" | tr -s ' \n' ' ')")

  tools=(volley)
  [ -n "$K6" ] && tools+=(k6)
  for tool in "${tools[@]}"; do
    log "round $r/$ROUNDS: $tool"
    run_script_tool "$tool" "$tool.$r" "$CONNECTIONS" "$DURATION_S"
    # rate = count / measured test duration, the same definition as wrk's Requests/sec.
    read -r requests rps failed passes fails < <(summary_figures "$tmp/$tool.$r.json")
    read -r user sys _ < <(tail -n1 "$tmp/$tool.$r.time")
    rows+=("$r $tool $rps $requests $user $sys $passes $fails")
    [ "$failed" != 0 ] && notes+=("run $r, $tool: $failed failed requests (http_req_failed)")
    [ "$fails" != 0 ] && notes+=("run $r, $tool: $fails failed checks")
  done
done

# Memory: one run per VU count, peak RSS of the whole process tree's largest process (%M).
for vus in $MEM_VUS; do
  tools=(volley)
  [ -n "$K6" ] && tools+=(k6)
  for tool in "${tools[@]}"; do
    log "memory: $tool with $vus VUs"
    run_script_tool "$tool" "mem.$tool.$vus" "$vus" "$MEM_DURATION_S"
    read -r requests rps failed passes fails < <(summary_figures "$tmp/mem.$tool.$vus.json")
    read -r _ _ rss < <(tail -n1 "$tmp/mem.$tool.$vus.time")
    mem_rows+=("$tool $vus $rss $rps $requests")
    [ "$failed" != 0 ] && notes+=("memory run with $vus VUs, $tool: $failed failed requests")
    [ "$fails" != 0 ] && notes+=("memory run with $vus VUs, $tool: $fails failed checks")
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
[ "$(addon_mtime)" != "$addon_mtime_before" ] &&
  notes+=("native/$(basename "$addon") was rebuilt during the rounds: the volley runs may mix two builds")

# --- report -----------------------------------------------------------------------------------
cpu_model=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)
wrk_version=$({ wrk -v 2>&1 || true; } | head -n1 | sed 's/ Copyright.*//')
nginx_version=$(nginx -v 2>&1 | sed 's/^nginx version: //')
addon_built=${addon:+$(date -r "$addon" '+%Y-%m-%d %H:%M %Z')}
commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$repo" diff --quiet HEAD -- crates ts 2>/dev/null || commit="$commit + uncommitted changes"
volley_cmd_text="node bin/volley.js run $script --vus $CONNECTIONS --duration ${DURATION_S}s -e URL=$url --quiet --address \"\" --summary-export FILE"
k6_cmd_text="k6 run --vus $CONNECTIONS --duration ${DURATION_S}s -e URL=$url --quiet --no-usage-report --address \"\" --summary-export FILE $script"

printf '%s\n' "${rows[@]}" | awk -v bar_rps="$BAR_RPS" -v bar_cpu="$BAR_CPU" '
  function median(a, n,   i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
    return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
  }
  {
    cpu_us = ($5 + $6) / $4 * 1e6
    checks = $7 == "-" ? "-" : sprintf("%d / %d", $7, $7 + $8)
    printf "| %d | %s | %.0f | %d | %s | %.2f | %.2f | %.2f |\n", $1, $2, $3, $4, checks, $5, $6, cpu_us
    if (!($2 in n)) order[++tools] = $2
    n[$2]++; rps[$2, n[$2]] = $3; cpu[$2, n[$2]] = cpu_us
  }
  END {
    for (t in n) { for (i = 1; i <= n[t]; i++) { a[i] = rps[t, i]; b[i] = cpu[t, i] }
      mr[t] = median(a, n[t]); mc[t] = median(b, n[t]) }
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
  echo "- Machine: nproc $(nproc), $cpu_model, Linux $(uname -r)."
  echo "- Versions: $volley_version, commit $commit${addon_built:+, addon built $addon_built}; $wrk_version; $nginx_version${K6:+; $k6_version}."
  echo "- Target: \`$url\`, a $page_bytes-byte static page, nginx with one worker (\`bench/nginx.conf\`)."
  echo "- Script: \`$script\`, one \`http.get(__ENV.URL)\` and one \`check\` (status is 200) per iteration."
  echo "- Clients, alternating, each as \`/usr/bin/time -f '%U %S %M' CMD\`:"
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

cat "$section_run"
[ "$mode" = print ] && exit 0

intro=$tmp/intro.md
cat >"$intro" <<EOF
$SECTION

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

# The run goes at the end of this section (before the next "## " heading, if any); the section is
# created at the end of the file the first time.
if grep -qxF "$SECTION" "$results"; then
  awk -v section="$SECTION" -v runfile="$section_run" '
    function emit(  l) { while ((getline l < runfile) > 0) print l; done = 1 }
    /^## / { if (ours && !done) { if (last != "") print ""; emit(); print "" } ours = ($0 == section) }
    { print; last = $0 }
    END { if (!done) { if (last != "") print ""; emit() } }' "$results" >"$tmp/results.md"
else
  { cat "$results"; echo; cat "$intro"; echo; cat "$section_run"; } >"$tmp/results.md"
fi
cat "$tmp/results.md" >"$results"
log "added the run to $results"
