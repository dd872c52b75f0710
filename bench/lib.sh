# Shared by bench/run-fast-path.sh, bench/run-api-latency.sh and bench/run-script-path.sh; sourced,
# not run. Each script, under `set -euo pipefail`:
#
#   bench_init NAME "$@"         NAME: fast-path, api-latency, script-path. --print or nothing:
#                                sets mode (append or print), repo, results; cd to the repository
#   bench_install_missing TOOL...  apt-get installs nginx (nginx-light, else nginx), wrk, time
#   bench_check_volley           sets volley=(node bin/volley.js) and volley_version, or exits
#   bench_make_tmp               $tmp, removed (nginx stopped) on exit by bench_cleanup
#   bench_start_nginx PATH       the 612-byte page, nginx on bench/nginx.conf on a free 127.0.0.1
#                                port; sets nginx_pid, port, url (http://127.0.0.1:PORT/PATH), page_bytes
#   ...its own runs (timed, wrk_round, summary_figures, bench_awk_median, the addon watch)...
#   bench_machine_line, bench_versions_text, bench_nginx_version, bench_wrk_version  for the report
#   bench_finish SECTION RUN_FILE <<EOF ... EOF   prints the run; unless --print, adds it at the
#                                end of SECTION in bench/RESULTS.md (INTRO on stdin, the first time)
#
# Functions and variables without the bench_ prefix (log, timed, stop_pid, wrk_round,
# summary_figures, addon_mtime) keep the names the scripts used before they shared this file.
# Globals they read or set: bench_name, mode, repo, results, tmp, nginx_pid, port, url, page_bytes,
# volley, volley_version, addon, addon_mtime_before, time_format, wrk_cmd, ROUNDS, notes.

# --- set-up ------------------------------------------------------------------------------------

# log MESSAGE...: "run-NAME: MESSAGE" on stderr.
log() { echo "run-$bench_name: $*" >&2; }

# bench_init NAME ARGS...: the script's arguments ("" or --print), then the repository as cwd.
bench_init() {
  bench_name=$1; shift
  mode=append
  case "${1:-}" in
    "") ;;
    --print) mode=print ;;
    *) echo "usage: bash bench/run-$bench_name.sh [--print]" >&2; exit 2 ;;
  esac
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  cd "$repo"
  results=bench/RESULTS.md
}

# bench_install_missing TOOL...: installs those of nginx, wrk and time that are missing with
# apt-get (nginx as nginx-light, else nginx), then puts /usr/sbin (nginx) on PATH.
bench_install_missing() {
  local pkgs=() tool
  for tool in "$@"; do
    case "$tool" in
      nginx) command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || pkgs+=(nginx) ;;
      time) [ -x /usr/bin/time ] || pkgs+=(time) ;;
      *) command -v "$tool" >/dev/null 2>&1 || pkgs+=("$tool") ;;
    esac
  done
  if [ ${#pkgs[@]} -gt 0 ]; then
    log "installing: ${pkgs[*]}"
    bench_apt_install "${pkgs[@]}"
  fi
  export PATH="$PATH:/usr/sbin"
}

# bench_apt_install PKG...: apt-get install, nginx as nginx-light (else nginx), with the
# policy-rc.d guard.
bench_apt_install() {
  # Keep the packages' postinst from starting the system nginx on port 80: a policy-rc.d that
  # refuses every start, only for this install and only if the machine has none of its own.
  local policy=/usr/sbin/policy-rc.d own_policy= p
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  for p in "$@"; do
    if [ "$p" = nginx ]; then
      apt-get install -y -qq nginx-light >/dev/null || apt-get install -y -qq nginx >/dev/null
    else
      apt-get install -y -qq "$p" >/dev/null
    fi
  done
  [ -n "$own_policy" ] && rm -f "$policy"
  return 0
}

# bench_check_volley: sets volley (the command) and volley_version; exits if volley is not built.
bench_check_volley() {
  volley=(node "$repo/bin/volley.js")
  if ! volley_version=$("${volley[@]}" version 2>&1); then
    log "volley does not start (run 'npm run build' first): $volley_version"
    exit 1
  fi
}

# stop_pid PID SIGNAL: signal it, give it 5 s, then SIGKILL. Nothing if PID is empty or gone.
stop_pid() {
  local pid=$1 sig=$2
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill "-$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# bench_cleanup: stops nginx and removes $tmp (the EXIT trap; a script with more to stop traps
# its own function that ends with this one).
bench_cleanup() {
  stop_pid "$nginx_pid" QUIT
  rm -rf "$tmp"
}

# bench_make_tmp: $tmp (/tmp/volley-NAME.XXXXXX), and the traps that clean up on exit.
bench_make_tmp() {
  tmp=$(mktemp -d "/tmp/volley-$bench_name.XXXXXX")
  nginx_pid=
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}

# --- nginx -------------------------------------------------------------------------------------

# bench_write_page FILE: nginx's welcome page of old, 612 bytes.
bench_write_page() {
  cat >"$1" <<'EOF'
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
}

# bench_free_port: a free TCP port on 127.0.0.1.
bench_free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();})'
}

# bench_start_nginx PATH: nginx on bench/nginx.conf in the prefix $tmp, serving the page, on a free
# 127.0.0.1 port; waits until it accepts connections. Sets nginx_pid, port, page_bytes and
# url=http://127.0.0.1:PORT/PATH.
bench_start_nginx() {
  # The nginx worker runs as an unprivileged user when we are root: it must be able to read the page.
  chmod 755 "$tmp"
  mkdir -p "$tmp/html" "$tmp/logs" "$tmp/tmp"
  bench_write_page "$tmp/html/index.html"
  page_bytes=$(wc -c <"$tmp/html/index.html")

  port=$(bench_free_port)
  sed "s/@PORT@/$port/" bench/nginx.conf >"$tmp/nginx.conf"
  # -e: nginx opens its error log before reading the config; keep that one in the prefix too.
  nginx -p "$tmp/" -c "$tmp/nginx.conf" -e "$tmp/logs/error.log" &
  nginx_pid=$!
  for _ in $(seq 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    kill -0 "$nginx_pid" 2>/dev/null || { log "nginx did not start:"; cat "$tmp/logs/error.log" >&2; exit 1; }
    sleep 0.1
  done
  url="http://127.0.0.1:$port/$1"
  log "nginx (pid $nginx_pid) serving $url ($page_bytes bytes)"
}

# --- runs --------------------------------------------------------------------------------------

# bench_loadavg: the 1, 5 and 15 minute load averages.
bench_loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# bench_find_addon: sets addon, the newest native/*.node ("" if none).
bench_find_addon() { addon=$(ls -t "$repo"/native/*.node 2>/dev/null | head -n1 || true); }

# Each volley run loads the addon afresh: a rebuild during the rounds would mix two builds.
# bench_watch_addon before the rounds, bench_note_addon_rebuilt after them.
addon_mtime() { [ -n "$addon" ] && stat -c %Y "$addon" 2>/dev/null || echo none; }
bench_watch_addon() {
  bench_find_addon
  addon_mtime_before=$(addon_mtime)
}
bench_note_addon_rebuilt() {
  [ "$(addon_mtime)" != "$addon_mtime_before" ] &&
    notes+=("native/$(basename "$addon") was rebuilt during the rounds: the volley runs may mix two builds")
  return 0
}

# timed NAME CMD...: runs CMD under /usr/bin/time -f "$time_format", output in $tmp/NAME.{out,time}.
time_format='%U %S'
timed() {
  local name=$1; shift
  if ! /usr/bin/time -f "$time_format" -o "$tmp/$name.time" "$@" >"$tmp/$name.out" 2>&1; then
    log "$name failed:"; cat "$tmp/$name.out" >&2; exit 1
  fi
}

# wrk_round R: round R's timed run of wrk_cmd; sets requests, rps, user and sys, and notes
# socket errors and non-2xx responses.
wrk_round() {
  local r=$1 errors
  log "round $r/$ROUNDS: wrk"
  timed "wrk.$r" "${wrk_cmd[@]}"
  # "  109124 requests in 3.03s, 88.77MB read" and "Requests/sec:  35986.11"
  requests=$(awk '/ requests in /{print $1}' "$tmp/wrk.$r.out")
  rps=$(awk '/^Requests\/sec:/{print $2}' "$tmp/wrk.$r.out")
  read -r user sys _ < <(tail -n1 "$tmp/wrk.$r.time")
  errors=$(grep -E 'Socket errors|Non-2xx' "$tmp/wrk.$r.out" || true)
  [ -n "$errors" ] && notes+=("run $r, wrk: $(echo "$errors" | tr -s ' \n' ' ')")
  return 0
}

# summary_figures FILE [DIGITS]: "count rate failed passes fails" from a k6-format --summary-export
# file (volley's and k6's); rate with DIGITS decimals (2). rate = count / measured test duration,
# the same definition as wrk's Requests/sec.
summary_figures() {
  node -e '
    const m = require(process.argv[1]).metrics;
    const failed = m.http_req_failed ? Math.round(m.http_req_failed.value * m.http_reqs.count) : 0;
    const c = m.checks || { passes: 0, fails: 0 };
    console.log(m.http_reqs.count, m.http_reqs.rate.toFixed(Number(process.argv[2])), failed, c.passes, c.fails);' \
    "$1" "${2:-2}"
}

# awk functions to put before a program that stores each run as n[tool]++;
# rps[tool, n[tool]] = ...; cpu[tool, n[tool]] = ...: medians() sets mr[tool] and mc[tool], the
# median req/s and CPU per request of each tool (median(a, n) sorts a[1..n] in place).
# shellcheck disable=SC2016
bench_awk_median='
  function median(a, n,   i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
    return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
  }
  function medians(   t, i) {
    for (t in n) { for (i = 1; i <= n[t]; i++) { a[i] = rps[t, i]; b[i] = cpu[t, i] }
      mr[t] = median(a, n[t]); mc[t] = median(b, n[t]) }
  }'

# --- report ------------------------------------------------------------------------------------

# bench_machine_line: the "- Machine: ..." line of a run's section.
bench_machine_line() {
  local cpu_model
  cpu_model=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)
  echo "- Machine: nproc $(nproc), $cpu_model, Linux $(uname -r)."
}

# bench_versions_text: "VOLLEY_VERSION, commit C[ + uncommitted changes][, addon built DATE]",
# the start of the "- Versions: ..." line (uses $addon).
bench_versions_text() {
  local commit addon_built
  addon_built=${addon:+$(date -r "$addon" '+%Y-%m-%d %H:%M %Z')}
  commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
  git -C "$repo" diff --quiet HEAD -- crates ts 2>/dev/null || commit="$commit + uncommitted changes"
  echo "$volley_version, commit $commit${addon_built:+, addon built $addon_built}"
}

bench_nginx_version() { nginx -v 2>&1 | sed 's/^nginx version: //'; }
bench_wrk_version() { { wrk -v 2>&1 || true; } | head -n1 | sed 's/ Copyright.*//'; }

# bench_finish SECTION RUN_FILE < INTRO: prints the run; with --print, exits. Else puts the run at
# the end of SECTION in $results (before the next "## " heading, if any); the first time, SECTION
# is created at the end of the file: the heading, INTRO (stdin), then the run.
bench_finish() {
  local section=$1 run=$2
  cat "$run"
  [ "$mode" = print ] && exit 0
  { echo "$section"; echo; cat; } >"$tmp/intro.md"
  if grep -qxF "$section" "$results"; then
    awk -v section="$section" -v runfile="$run" '
      function emit(  l) { while ((getline l < runfile) > 0) print l; done = 1 }
      /^## / { if (ours && !done) { if (last != "") print ""; emit(); print "" } ours = ($0 == section) }
      { print; last = $0 }
      END { if (!done) { if (last != "") print ""; emit() } }' "$results" >"$tmp/results.md"
  else
    { cat "$results"; echo; cat "$tmp/intro.md"; echo; cat "$run"; } >"$tmp/results.md"
  fi
  cat "$tmp/results.md" >"$results"
  log "added the run to $results"
}
