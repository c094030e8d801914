#!/usr/bin/env bash
# scripts/cluster.sh: kaowu as a cluster on one machine, for tests and demos
# (docs/scale.md): a PostgreSQL primary and one streaming hot standby
# (clusters of their own, beside the machine's main cluster, which this
# script never touches), three `kaowu serve` nodes, and nginx in front of
# them on one address, all on 127.0.0.1.
#
#   scripts/cluster.sh up        create (once) and start everything; again: start what is not running
#   scripts/cluster.sh status    what runs, which cluster is primary, the replication state
#   scripts/cluster.sh down      stop everything this script started (the data stays)
#   scripts/cluster.sh failover  stop the primary as if it crashed, promote the standby, rebuild the
#                                old primary as the new standby; the nodes reconnect by themselves
#   scripts/cluster.sh destroy   down, then drop both PostgreSQL clusters and the state directory
#   scripts/cluster.sh psql …    psql on the primary's kaowu database
#
# Runs as root on Debian with PostgreSQL (pg_createcluster) and Go; installs
# nginx with apt-get when it is missing. Settings (environment):
#   KW_NODES=3                  kaowu nodes, on ports KW_NODE_BASE+1…
#   KW_NODE_BASE=18080          KW_NGINX_PORT=18080 (nginx's address: http://127.0.0.1:18080)
#   KW_PRIMARY=kwprimary KW_PRIMARY_PORT=5440 KW_STANDBY=kwstandby KW_STANDBY_PORT=5441
#   KW_DB=kaowu                 the database, created on the primary once
#   KW_NOW='2023-12-05 10:00'   the nodes' --now (inside the application window); KW_NOW= for real time
#   KW_DEMO=1                   serve --demo (demo data, seeded once by the first node); 0 for none
#   KW_BIN=                     a kaowu binary to run; empty: go build ./cmd/kaowu into the state directory
#   KW_STATE=/tmp/kaowu-cluster logs, pid files, nginx's configuration, the binary
#   KW_NODE_ARGS=               more arguments for every `kaowu serve`
#   KW_SYNC=0                   1: synchronous replication (synchronous_standby_names), see docs/scale.md
#   KW_FAILOVER_LAG=0           failover: first stop the primary's WAL sender for this many seconds (a lagging standby)
set -euo pipefail
cd "$(dirname "$0")/.."

PGV=${KW_PG_VERSION:-$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1)}
PRIMARY=${KW_PRIMARY:-kwprimary}
STANDBY=${KW_STANDBY:-kwstandby}
PRIMARY_PORT=${KW_PRIMARY_PORT:-5440}
STANDBY_PORT=${KW_STANDBY_PORT:-5441}
NODES=${KW_NODES:-3}
NODE_BASE=${KW_NODE_BASE:-18080}
NGINX_PORT=${KW_NGINX_PORT:-18080}
DB=${KW_DB:-kaowu}
NOW=${KW_NOW-2023-12-05 10:00}
DEMO=${KW_DEMO:-1}
STATE=${KW_STATE:-/tmp/kaowu-cluster}
SYNC=${KW_SYNC:-0}

# The nodes' database URLs: both clusters in each, so that after a failover
# (the standby promoted, the old primary rebuilt as a standby) new
# connections find the right one by target_session_attrs.
PRIMARY_URL="postgres://postgres@127.0.0.1:$PRIMARY_PORT,127.0.0.1:$STANDBY_PORT/$DB?sslmode=disable&target_session_attrs=read-write&connect_timeout=2"
STANDBY_URL="postgres://postgres@127.0.0.1:$STANDBY_PORT,127.0.0.1:$PRIMARY_PORT/$DB?sslmode=disable&target_session_attrs=standby&connect_timeout=2"

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'cluster.sh: %s\n' "$*" >&2; exit 1; }
as_pg() { runuser -u postgres -- "$@"; }
psql_at() { # port sql…: one value, unaligned
  local port=$1; shift
  as_pg psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -XAtq -c "$*" </dev/null
}
exists() { pg_lsclusters -h 2>/dev/null | awk -v v="$PGV" -v n="$1" '$1==v && $2==n {f=1} END {exit !f}'; }
running() { pg_lsclusters -h 2>/dev/null | awk -v v="$PGV" -v n="$1" '$1==v && $2==n && $4 ~ /online/ {f=1} END {exit !f}'; }
datadir() { pg_lsclusters -h | awk -v v="$PGV" -v n="$1" '$1==v && $2==n {print $6}'; }
confdir() { echo "/etc/postgresql/$PGV/$1"; }
port_of() { [ "$1" = "$PRIMARY" ] && echo "$PRIMARY_PORT" || echo "$STANDBY_PORT"; }
other() { [ "$1" = "$PRIMARY" ] && echo "$STANDBY" || echo "$PRIMARY"; }
in_recovery() { psql_at "$(port_of "$1")" "SELECT pg_is_in_recovery()" 2>/dev/null; }

wait_pg() { # name
  local port; port=$(port_of "$1")
  for _ in $(seq 1 120); do pg_isready -q -h 127.0.0.1 -p "$port" && return 0; sleep 0.25; done
  die "PostgreSQL cluster $1 (port $port) did not come up; see /var/log/postgresql/postgresql-$PGV-$1.log"
}

# configure name [nosync]: the settings both clusters share (a standby must
# allow at least the primary's connections), and trust on 127.0.0.1 (a
# machine's own test cluster; a real one uses scram-sha-256 and TLS between
# machines). With KW_SYNC=1 commits wait for the standby, except while the
# clusters are being made ("nosync": there is no standby to wait for yet).
configure() {
  local name=$1 conf; conf=$(confdir "$name")
  mkdir -p "$conf/conf.d"
  cat >"$conf/conf.d/kaowu-cluster.conf" <<EOF
# written by kaowu scripts/cluster.sh
listen_addresses = '127.0.0.1'
max_connections = 400
wal_level = replica
max_wal_senders = 10
wal_keep_size = '512MB'
hot_standby = on
hot_standby_feedback = on
wal_receiver_status_interval = '1s'
ssl = off
EOF
  if [ "$SYNC" = 1 ] && [ "${2:-}" != nosync ]; then
    printf "synchronous_standby_names = 'FIRST 1 (%s, %s)'\n" "$PRIMARY" "$STANDBY" >>"$conf/conf.d/kaowu-cluster.conf"
  fi
  cat >"$conf/pg_hba.conf" <<'EOF'
# written by kaowu scripts/cluster.sh: a test cluster on this machine only
local   all             postgres                                peer
local   all             all                                     trust
host    all             all             127.0.0.1/32            trust
host    replication     repl            127.0.0.1/32            trust
local   replication     all                                     peer
EOF
  chown -R postgres:postgres "$conf"
}

# standby_from name port: (re)make cluster name a streaming standby of the
# primary on port: its data replaced by a base backup (-R writes
# standby.signal and primary_conninfo with the cluster's name, which
# synchronous_standby_names refers to).
standby_from() {
  local name=$1 port=$2 data; data=$(datadir "$name")
  running "$name" && pg_ctlcluster --skip-systemctl-redirect "$PGV" "$name" stop -m fast
  find "$data" -mindepth 1 -delete
  as_pg pg_basebackup -h 127.0.0.1 -p "$port" -U repl -D "$data" -R -X stream -c fast -w -d "application_name=$name" </dev/null
  pg_ctlcluster --skip-systemctl-redirect "$PGV" "$name" start
  wait_pg "$name"
}

clusters_up() {
  command -v pg_createcluster >/dev/null || die "pg_createcluster not found: apt-get install postgresql"
  [ -n "$PGV" ] || die "no PostgreSQL under /usr/lib/postgresql"
  if ! exists "$PRIMARY"; then
    say "creating PostgreSQL $PGV cluster $PRIMARY on port $PRIMARY_PORT"
    pg_createcluster "$PGV" "$PRIMARY" -p "$PRIMARY_PORT" >/dev/null
    configure "$PRIMARY" nosync
    pg_ctlcluster --skip-systemctl-redirect "$PGV" "$PRIMARY" start
    wait_pg "$PRIMARY"
    psql_at "$PRIMARY_PORT" "CREATE ROLE repl WITH REPLICATION LOGIN" >/dev/null
  fi
  if ! exists "$STANDBY"; then
    say "creating cluster $STANDBY on port $STANDBY_PORT: a streaming standby of $PRIMARY"
    pg_createcluster "$PGV" "$STANDBY" -p "$STANDBY_PORT" >/dev/null
    configure "$STANDBY" nosync
    running "$PRIMARY" || { pg_ctlcluster --skip-systemctl-redirect "$PGV" "$PRIMARY" start; wait_pg "$PRIMARY"; }
    standby_from "$STANDBY" "$PRIMARY_PORT"
  fi
  configure "$PRIMARY"
  configure "$STANDBY"
  # Start whichever holds the primary's role first (after a failover it is
  # the other one): read from standby.signal.
  local first=$PRIMARY second=$STANDBY
  if [ -f "$(datadir "$PRIMARY")/standby.signal" ]; then first=$STANDBY second=$PRIMARY; fi
  for c in "$first" "$second"; do
    if running "$c"; then
      pg_ctlcluster --skip-systemctl-redirect "$PGV" "$c" reload >/dev/null
    else
      pg_ctlcluster --skip-systemctl-redirect "$PGV" "$c" start
    fi
    wait_pg "$c"
  done
  local p; p=$(primary_name)
  if [ "$(psql_at "$(port_of "$p")" "SELECT count(*) FROM pg_database WHERE datname = '$DB'")" = 0 ]; then
    say "creating database $DB"
    # Byte-wise comparisons, the same order as C.UTF-8 (docs/scores.md).
    psql_at "$(port_of "$p")" "CREATE DATABASE $DB TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'" >/dev/null
  fi
}

# primary_name: the cluster not in recovery.
primary_name() {
  local a b
  a=$(in_recovery "$PRIMARY" || true)
  b=$(in_recovery "$STANDBY" || true)
  if [ "$a" = f ] && [ "$b" = f ]; then die "both clusters are primaries (split brain): rebuild one with failover or destroy"; fi
  if [ "$a" = f ]; then echo "$PRIMARY"; elif [ "$b" = f ]; then echo "$STANDBY"; else die "no primary is running"; fi
}

build() {
  if [ -n "${KW_BIN:-}" ]; then BIN=$KW_BIN; return; fi
  BIN=$STATE/kaowu
  say "building kaowu"
  go build -o "$BIN" ./cmd/kaowu
}

node_pid() { [ -f "$STATE/node$1.pid" ] && cat "$STATE/node$1.pid"; }
# alive pid: the process runs (a zombie, killed but not reaped, does not).
alive() {
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
  local state; state=$(sed -e 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}
wait_http() { # url seconds
  for _ in $(seq 1 $(( $2 * 5 ))); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.2; done
  return 1
}

start_node() { # i
  local i=$1 port=$(( NODE_BASE + $1 )) args=()
  if alive "$(node_pid "$i")"; then return 0; fi
  args=(serve --db "$PRIMARY_URL" --db-read "$STANDBY_URL" --addr "127.0.0.1:$port" --trusted-proxy 127.0.0.1
    --payment off --log-format json --log-level "${KW_LOG_LEVEL:-warn}")
  [ -n "$NOW" ] && args+=(--now "$NOW")
  [ "$DEMO" = 1 ] && args+=(--demo)
  # shellcheck disable=SC2206
  args+=(${KW_NODE_ARGS:-})
  setsid "$BIN" "${args[@]}" >>"$STATE/node$i.out" 2>>"$STATE/node$i.log" </dev/null &
  echo $! >"$STATE/node$i.pid"
}

nodes_up() {
  # Nodes beyond KW_NODES (an earlier up with more) are stopped.
  for f in "$STATE"/node*.pid; do
    [ -e "$f" ] || continue
    local i=${f##*/node}; i=${i%.pid}
    if [ "$i" -gt "$NODES" ]; then stop_pid "$f"; fi
  done
  # The first node migrates and seeds the demo data; the others start once
  # it serves, so that they never migrate or seed at the same time.
  start_node 1
  wait_http "http://127.0.0.1:$(( NODE_BASE + 1 ))/healthz" 120 || die "node 1 did not start; see $STATE/node1.log"
  for i in $(seq 2 "$NODES"); do start_node "$i"; done
  for i in $(seq 2 "$NODES"); do
    wait_http "http://127.0.0.1:$(( NODE_BASE + i ))/healthz" 60 || die "node $i did not start; see $STATE/node$i.log"
  done
}

nginx_conf() {
  local user_line="" worker_user=www-data
  mkdir -p "$STATE/nginx/tmp"
  if [ "$(id -u)" = 0 ]; then
    id "$worker_user" >/dev/null 2>&1 || worker_user=nobody
    user_line="user $worker_user;"
    chown "$worker_user" "$STATE/nginx/tmp"
  fi
  {
    cat <<EOF
# written by kaowu scripts/cluster.sh
$user_line
worker_processes auto;
pid $STATE/nginx.pid;
error_log $STATE/nginx-error.log warn;
events { worker_connections 8192; }
http {
  access_log ${KW_NGINX_ACCESS_LOG:-off};
  client_body_temp_path $STATE/nginx/tmp/body;
  proxy_temp_path $STATE/nginx/tmp/proxy;
  fastcgi_temp_path $STATE/nginx/tmp/fastcgi;
  uwsgi_temp_path $STATE/nginx/tmp/uwsgi;
  scgi_temp_path $STATE/nginx/tmp/scgi;
  client_max_body_size 64m;
  # Passive health: a node that refuses or times out is out for 10 s
  # (max_fails=1); a request whose connection failed goes to the next node
  # (proxy_next_upstream), a POST only if it was not sent yet.
  # zone: the workers share what they learn of the nodes' health.
  upstream kaowu {
    zone kaowu 64k;
EOF
    for i in $(seq 1 "$NODES"); do
      echo "    server 127.0.0.1:$(( NODE_BASE + i )) max_fails=1 fail_timeout=10s;"
    done
    cat <<EOF
    keepalive 128;
  }
  # The local WeChat stand-in (internal/wechat.Local) keeps its pending
  # authorizations in one process's memory, as the real WeChat keeps them
  # on its servers: its pages and the callback go to node 1 only.
  upstream kaowu_wechat {
    server 127.0.0.1:$(( NODE_BASE + 1 ));
    keepalive 16;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://kaowu;
      include $STATE/nginx/proxy.conf;
    }
    location /wechat/ {
      proxy_pass http://kaowu_wechat;
      include $STATE/nginx/proxy.conf;
    }
  }
}
EOF
  } >"$STATE/nginx.conf"
  cat >"$STATE/nginx/proxy.conf" <<'EOF'
proxy_http_version 1.1;
proxy_set_header Connection "";
proxy_set_header Host $http_host;
proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
proxy_set_header X-Forwarded-Proto $scheme;
proxy_next_upstream error timeout;
proxy_next_upstream_tries 3;
proxy_connect_timeout 2s;
proxy_read_timeout 130s;
add_header X-Upstream $upstream_addr always;
EOF
}

nginx_up() {
  if ! command -v nginx >/dev/null; then
    say "installing nginx"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
  fi
  nginx_conf
  nginx -t -q -e "$STATE/nginx-error.log" -c "$STATE/nginx.conf" -p "$STATE/nginx" || die "nginx configuration refused"
  if alive "$(cat "$STATE/nginx.pid" 2>/dev/null)"; then
    nginx -e "$STATE/nginx-error.log" -c "$STATE/nginx.conf" -p "$STATE/nginx" -s reload
  else
    nginx -e "$STATE/nginx-error.log" -c "$STATE/nginx.conf" -p "$STATE/nginx"
  fi
  wait_http "http://127.0.0.1:$NGINX_PORT/healthz" 20 || die "nginx does not answer on 127.0.0.1:$NGINX_PORT"
}

stop_pid() { # pidfile
  local pid; pid=$(cat "$1" 2>/dev/null || true)
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do alive "$pid" || break; sleep 0.2; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$1"
}

cmd_up() {
  mkdir -p "$STATE"
  chmod 755 "$STATE"
  clusters_up
  build
  nodes_up
  nginx_up
  cmd_status
}

cmd_down() {
  if [ -f "$STATE/nginx.pid" ]; then
    nginx -e "$STATE/nginx-error.log" -c "$STATE/nginx.conf" -p "$STATE/nginx" -s quit 2>/dev/null || true
    for _ in $(seq 1 50); do alive "$(cat "$STATE/nginx.pid" 2>/dev/null)" || break; sleep 0.1; done
    stop_pid "$STATE/nginx.pid"
  fi
  for f in "$STATE"/node*.pid; do [ -e "$f" ] && stop_pid "$f"; done
  for c in "$STANDBY" "$PRIMARY"; do
    if exists "$c" && running "$c"; then pg_ctlcluster --skip-systemctl-redirect "$PGV" "$c" stop -m fast; fi
  done
  say "stopped"
}

cmd_status() {
  local p=""
  for c in "$PRIMARY" "$STANDBY"; do
    if ! exists "$c"; then echo "postgres $c: not created"; continue; fi
    if running "$c"; then
      local r; r=$(in_recovery "$c" || echo "?")
      if [ "$r" = f ]; then p=$c; echo "postgres $c (127.0.0.1:$(port_of "$c")): primary"; else echo "postgres $c (127.0.0.1:$(port_of "$c")): standby"; fi
    else
      echo "postgres $c (127.0.0.1:$(port_of "$c")): stopped"
    fi
  done
  if [ -n "$p" ]; then
    psql_at "$(port_of "$p")" "SELECT '  replication to ' || application_name || ': ' || state || ', ' || sync_state || ', replay lag ' || COALESCE(replay_lag::text, '0') FROM pg_stat_replication" || true
  fi
  for i in $(seq 1 "$NODES"); do
    local pid; pid=$(node_pid "$i" || true)
    if alive "$pid"; then echo "node $i: pid $pid, http://127.0.0.1:$(( NODE_BASE + i ))"; else echo "node $i: not running"; fi
  done
  if alive "$(cat "$STATE/nginx.pid" 2>/dev/null)"; then echo "nginx: http://127.0.0.1:$NGINX_PORT (pid $(cat "$STATE/nginx.pid"))"; else echo "nginx: not running"; fi
  echo "primary URL: $PRIMARY_URL"
  echo "standby URL: $STANDBY_URL"
}

cmd_failover() {
  local old new t0 t1 t2
  old=$(primary_name)
  new=$(other "$old")
  running "$new" || die "the standby $new is not running"
  [ "$(in_recovery "$new")" = t ] || die "$new is not a standby"
  t0=$(date +%s.%N)
  if [ "${KW_FAILOVER_LAG:-0}" != 0 ]; then
    # A standby that lags, as over a slow network: the primary's WAL sender
    # to it stopped for a while before the crash, so that what the primary
    # wrote meanwhile never leaves it.
    local sender
    sender=$(psql_at "$(port_of "$old")" "SELECT pid FROM pg_stat_replication WHERE application_name = '$new'")
    [ -n "$sender" ] || die "no WAL sender to $new on $old"
    say "stopping $old's WAL sender to $new (pid $sender) for ${KW_FAILOVER_LAG} s before the crash"
    kill -STOP "$sender"
    sleep "$KW_FAILOVER_LAG"
    t0=$(date +%s.%N)
    say "stopping the primary $old as a crash would (immediate), the WAL sender with it"
    pg_ctlcluster --skip-systemctl-redirect "$PGV" "$old" stop -m immediate &
    local stopping=$!
    sleep 0.3
    kill -KILL "$sender" 2>/dev/null || true
    wait "$stopping"
  else
    say "stopping the primary $old as a crash would (immediate)"
    pg_ctlcluster --skip-systemctl-redirect "$PGV" "$old" stop -m immediate
  fi
  say "promoting $new"
  pg_ctlcluster --skip-systemctl-redirect "$PGV" "$new" promote
  for _ in $(seq 1 120); do [ "$(in_recovery "$new")" = f ] && break; sleep 0.25; done
  [ "$(in_recovery "$new")" = f ] || die "$new did not leave recovery"
  t1=$(date +%s.%N)
  say "rebuilding $old as a standby of $new"
  standby_from "$old" "$(port_of "$new")"
  t2=$(date +%s.%N)
  awk -v new="$new" -v old="$old" -v t0="$t0" -v t1="$t1" -v t2="$t2" \
    'BEGIN { printf "failover: %s is the primary after %.1f s; %s streams from it after %.1f s more\n", new, t1 - t0, old, t2 - t1 }'
}

cmd_destroy() {
  cmd_down
  for c in "$STANDBY" "$PRIMARY"; do
    if exists "$c"; then pg_dropcluster --stop "$PGV" "$c"; fi
  done
  rm -rf "$STATE"
  say "destroyed"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  failover) cmd_failover ;;
  destroy) cmd_destroy ;;
  psql) shift; p=$(primary_name); as_pg psql -h 127.0.0.1 -p "$(port_of "$p")" -U postgres -d "$DB" "$@" ;;
  *) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
