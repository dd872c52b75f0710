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

mode=append
case "${1:-}" in
  "") ;;
  --print) mode=print ;;
  *) echo "usage: bash bench/run-fast-path.sh [--print]" >&2; exit 2 ;;
esac

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
results=bench/RESULTS.md

log() { echo "run-fast-path: $*" >&2; }

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

# --- nginx ------------------------------------------------------------------------------------
tmp=$(mktemp -d /tmp/volley-fast-path.XXXXXX)
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
volley_cmd=("${volley[@]}" run --url "$url" --vus "$CONNECTIONS" --duration "${DURATION_S}s"
  --quiet --address "")

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# Each volley run loads the addon afresh: a rebuild during the rounds would mix two builds.
addon=$(ls -t "$repo"/native/*.node 2>/dev/null | head -n1 || true)
addon_mtime() { [ -n "$addon" ] && stat -c %Y "$addon" 2>/dev/null || echo none; }
addon_mtime_before=$(addon_mtime)
rows=()    # "run tool rps requests user sys" per client run
notes=()
timed() { # timed NAME CMD...: runs CMD under /usr/bin/time, output in $tmp/NAME.{out,time}
  local name=$1; shift
  if ! /usr/bin/time -f '%U %S' -o "$tmp/$name.time" "$@" >"$tmp/$name.out" 2>&1; then
    log "$name failed:"; cat "$tmp/$name.out" >&2; exit 1
  fi
}
for r in $(seq "$ROUNDS"); do
  log "round $r/$ROUNDS: wrk"
  timed "wrk.$r" "${wrk_cmd[@]}"
  # "  109124 requests in 3.03s, 88.77MB read" and "Requests/sec:  35986.11"
  requests=$(awk '/ requests in /{print $1}' "$tmp/wrk.$r.out")
  rps=$(awk '/^Requests\/sec:/{print $2}' "$tmp/wrk.$r.out")
  read -r user sys < <(tail -n1 "$tmp/wrk.$r.time")
  rows+=("$r wrk $rps $requests $user $sys")
  errors=$(grep -E 'Socket errors|Non-2xx' "$tmp/wrk.$r.out" || true)
  [ -n "$errors" ] && notes+=("run $r, wrk: $(echo "$errors" | tr -s ' \n' ' ')")

  log "round $r/$ROUNDS: volley"
  timed "volley.$r" "${volley_cmd[@]}" --summary-export "$tmp/volley.$r.json"
  # rate = count / measured test duration, the same definition as wrk's Requests/sec.
  read -r requests rps failed < <(node -e '
    const m = require(process.argv[1]).metrics;
    const failed = m.http_req_failed ? Math.round(m.http_req_failed.value * m.http_reqs.count) : 0;
    console.log(m.http_reqs.count, m.http_reqs.rate.toFixed(2), failed);' "$tmp/volley.$r.json")
  read -r user sys < <(tail -n1 "$tmp/volley.$r.time")
  rows+=("$r volley $rps $requests $user $sys")
  [ "$failed" != 0 ] && notes+=("run $r, volley: $failed failed requests (http_req_failed)")
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
[ "$(addon_mtime)" != "$addon_mtime_before" ] &&
  notes+=("native/$(basename "$addon") was rebuilt during the rounds: the volley runs may mix two builds")

# --- report -----------------------------------------------------------------------------------
cpu_model=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)
wrk_version=$({ wrk -v 2>&1 || true; } | head -n1 | sed 's/ Copyright.*//')
nginx_version=$(nginx -v 2>&1 | sed 's/^nginx version: //')
nginx_pkg=$({ dpkg-query -W -f='${db:Status-Abbrev}${Package} ${Version}\n' nginx-light nginx 2>/dev/null || true; } |
  awk '$1 == "ii" {printf "%s%s %s", sep, $2, $3; sep = ", "}')
addon_built=${addon:+$(date -r "$addon" '+%Y-%m-%d %H:%M %Z')}
commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$repo" diff --quiet HEAD -- crates ts 2>/dev/null || commit="$commit + uncommitted changes"
volley_cmd_text="node bin/volley.js run --url $url --vus $CONNECTIONS --duration ${DURATION_S}s --quiet --address \"\" --summary-export FILE"

section_run=$tmp/run.md
printf '%s\n' "${rows[@]}" | awk -v bar_rps="$BAR_RPS" -v bar_cpu="$BAR_CPU" '
  function median(a, n,   i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
    return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
  }
  {
    cpu_us = ($5 + $6) / $4 * 1e6
    printf "| %d | %s | %.0f | %d | %.2f | %.2f | %.2f |\n", $1, $2, $3, $4, $5, $6, cpu_us
    n[$2]++; rps[$2, n[$2]] = $3; cpu[$2, n[$2]] = cpu_us
  }
  END {
    for (t in n) { for (i = 1; i <= n[t]; i++) { a[i] = rps[t, i]; b[i] = cpu[t, i] }
      mr[t] = median(a, n[t]); mc[t] = median(b, n[t]) }
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
  echo "- Machine: nproc $(nproc), $cpu_model, Linux $(uname -r)."
  echo "- Versions: $volley_version, commit $commit${addon_built:+, addon built $addon_built}; $wrk_version; $nginx_version${nginx_pkg:+ ($nginx_pkg)}."
  echo "- Target: \`$url\`, a $page_bytes-byte static page, nginx with one worker (\`bench/nginx.conf\`)."
  echo "- Clients, alternating, each as \`/usr/bin/time -f '%U %S' CMD\`:"
  echo "  \`${wrk_cmd[*]}\` and"
  echo "  \`$volley_cmd_text\`."
  echo
  echo "| run | tool | req/s | requests | user s | sys s | CPU µs/request |"
  echo "|---:|---|---:|---:|---:|---:|---:|"
  cat "$tmp/table.md"
  for note in "${notes[@]+"${notes[@]}"}"; do echo "- Note: $note"; done
} >"$section_run"

cat "$section_run"
[ "$mode" = print ] && exit 0

intro=$tmp/intro.md
cat >"$intro" <<EOF
$SECTION

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
