#!/usr/bin/env bash
# Serve the benchmark's index (built by mirror.py) on a slow network, and run
# one command against it: nginx in a private network namespace, whose
# loopback is shaped by tc, so every tool the command starts meets the same
# latency and bandwidth, and nothing else on the machine is affected.
#
#   serve.sh ROOT [--latency MS] [--conn-rate MB] [--rate MBIT] -- COMMAND [ARG...]
#
#   --latency MS     every response waits MS milliseconds before its first byte
#   --conn-rate MB   each response is sent at most at MB megabytes a second
#   --rate MBIT      all traffic together at most MBIT megabits a second
#   (each defaults to 0: no limit)
#
# The standard network of README.md's figures: --latency 25 --conn-rate 10 --rate 400.
#
# COMMAND runs inside the namespace, with:
#   INDEX_URL    http://127.0.0.1:8731/simple   PEP 503/691 pages with PEP 658 metadata
#   NOMETA_URL   http://127.0.0.1:8731/nometa   the same pages without PEP 658 metadata
#   NORANGE_URL  http://127.0.0.1:8732/nometa   no PEP 658 metadata and no range requests
#   ACCESS_LOG   nginx's log: "METHOD PATH PROTOCOL STATUS BYTES" a request (logstat.py)
# serve.sh exits with COMMAND's status, and stops nginx and removes the namespace.
#
# Needs root (ip netns, tc) and nginx with the Lua module for --latency:
#   apt-get install nginx-light libnginx-mod-http-lua      (Debian, Ubuntu)
set -euo pipefail

usage() { echo "usage: serve.sh ROOT [--latency MS] [--conn-rate MB] [--rate MBIT] -- COMMAND..." >&2; exit 2; }
[ $# -ge 1 ] || usage
root=$(realpath "$1"); shift
latency=0 conn_rate=0 rate=0
while [ $# -gt 0 ]; do
  case "$1" in
    --latency) latency=$2; shift 2 ;;
    --conn-rate) conn_rate=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "serve.sh: unknown option $1" >&2; usage ;;
  esac
done
[ $# -gt 0 ] || usage
[ -d "$root/simple" ] || { echo "serve.sh: $root has no simple/: build it with mirror.py" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "serve.sh: needs root (ip netns, tc)" >&2; exit 2; }
command -v nginx >/dev/null || { echo "serve.sh: no nginx: apt-get install nginx-light libnginx-mod-http-lua" >&2; exit 2; }
modules=/usr/lib/nginx/modules
if [ "$latency" != 0 ] && [ ! -f $modules/ngx_http_lua_module.so ]; then
  echo "serve.sh: --latency needs nginx's Lua module: apt-get install libnginx-mod-http-lua" >&2; exit 2
fi

ns=wheelbench$$
run=$(mktemp -d)
chmod 755 "$run"
nginx_pid=""
stop() {
  if [ -n "$nginx_pid" ]; then
    kill -QUIT "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
  fi
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$run"
}
trap stop EXIT

# What every server block shares: the delay, the per-response rate, the
# PEP 691 negotiation (JSON when the client accepts it, else HTML).
delay="" load=""
if [ "$latency" != 0 ]; then
  load="load_module $modules/ndk_http_module.so; load_module $modules/ngx_http_lua_module.so;"
  delay="access_by_lua_block { ngx.sleep($(awk "BEGIN { print $latency / 1000 }")) }"
fi
limit=""
[ "$conn_rate" = 0 ] || limit="limit_rate $(awk "BEGIN { print int($conn_rate * 1000000) }");"
cat >"$run/nginx.conf" <<EOF
$load
daemon off;
worker_processes 2;
pid $run/nginx.pid;
error_log $run/error.log;
events { worker_connections 1024; }
http {
  types { text/html html; application/vnd.pypi.simple.v1+json json; application/octet-stream whl metadata; }
  log_format plain '\$request \$status \$body_bytes_sent';
  access_log $run/access.log plain;
  sendfile on; tcp_nopush on;
  keepalive_requests 100000; keepalive_timeout 60s;
  client_body_temp_path $run/body; proxy_temp_path $run/proxy; fastcgi_temp_path $run/fastcgi;
  uwsgi_temp_path $run/uwsgi; scgi_temp_path $run/scgi;
  map \$http_accept \$page { ~application/vnd\.pypi\.simple\.v1\+json index.json; default index.html; }
  server {
    listen 127.0.0.1:8731;
    root $root;
    $delay
    $limit
    location /files/ { }
    location / { try_files \$uri\$page \$uri/\$page =404; }
  }
  server {
    listen 127.0.0.1:8732;
    root $root;
    max_ranges 0;
    $delay
    $limit
    location /files/ { }
    location / { try_files \$uri\$page \$uri/\$page =404; }
  }
}
EOF

ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
if [ "$rate" != 0 ]; then
  ip netns exec "$ns" tc qdisc add dev lo root tbf rate "${rate}mbit" burst 256kb latency 200ms
fi
# nginx stays in the foreground, as this script's child, so that it is
# stopped and waited for here, whatever COMMAND does.
ip netns exec "$ns" nginx -c "$run/nginx.conf" -e "$run/error.log" &
nginx_pid=$!
for _ in $(seq 100); do
  [ -s "$run/nginx.pid" ] && break
  kill -0 "$nginx_pid" 2>/dev/null || break
  sleep 0.05
done
[ -s "$run/nginx.pid" ] || { echo "serve.sh: nginx did not start:" >&2; cat "$run/error.log" >&2; exit 1; }

export INDEX_URL=http://127.0.0.1:8731/simple NOMETA_URL=http://127.0.0.1:8731/nometa
export NORANGE_URL=http://127.0.0.1:8732/nometa ACCESS_LOG=$run/access.log
set +e
ip netns exec "$ns" "$@"
status=$?
exit $status
