#!/usr/bin/env bash
# bench/limits.sh: kaowu's load figures as ratios of this machine's limits.
#
# In one go, on this machine: PostgreSQL's own pgbench (TPC-B-like), a bare
# Go HTTP handler under kaowu's load tool, and kaowu's mixes on SQLite and
# on PostgreSQL; then the ratios. Nothing here is asserted: the figures go
# into bench/RESULTS.md by hand, with the date and this command.
#
#   bench/limits.sh                      # 200 clients, 20 s per mix
#   CLIENTS=50 SECONDS_PER_MIX=10 SUBMITS=1000 bench/limits.sh
#
# Needs: Go, PostgreSQL at $PGHOST:$PGPORT (trust auth; the script creates
# and drops its own databases), pgbench, python3.
set -euo pipefail
cd "$(dirname "$0")/.."

CLIENTS=${CLIENTS:-200}
SECONDS_PER_MIX=${SECONDS_PER_MIX:-20}
SUBMITS=${SUBMITS:-2000}
PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
export PGHOST PGPORT PGUSER
NOW="2023-12-05T10:00:00+08:00"   # inside the 2024 online application window
out=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  dropdb --if-exists kaowu_limits_pgbench >/dev/null 2>&1 || true
  dropdb --if-exists kaowu_limits >/dev/null 2>&1 || true
  rm -rf "$out"
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*" >&2; }

go build -o "$out/kaowu" ./cmd/kaowu
kaowu="$out/kaowu"

wait_up() { # url
  for _ in $(seq 1 600); do curl -fsS "$1/healthz" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "server at $1 did not start" >&2; return 1
}

run_mix() { # name url mix [extra args]
  local name=$1 url=$2 mix=$3; shift 3
  say "$name: mix=$mix clients=$CLIENTS"
  "$kaowu" bench --url "$url" --mix "$mix" --clients "$CLIENTS" --duration "${SECONDS_PER_MIX}s" --json "$@" >"$out/$name.json"
  python3 - "$out/$name.json" <<'EOF' >&2
import json,sys
r=json.load(open(sys.argv[1]))
for o in r["ops"]:
    print(f'  {o["name"]:10} {o["ok"]:8d} ok {o["per_second"]:9.1f}/s p50 {o["p50_ns"]/1e6:7.1f} ms p95 {o["p95_ns"]/1e6:7.1f} ms p99 {o["p99_ns"]/1e6:7.1f} ms errors {o.get("errors",{})}')
EOF
}

# 1. PostgreSQL's own limit: pgbench TPC-B-like. max_connections (100 by
# default) caps its clients; the figure says which count ran.
say "pgbench"
pg_clients=$(( CLIENTS < 90 ? CLIENTS : 90 ))
dropdb --if-exists kaowu_limits_pgbench >/dev/null 2>&1 || true
createdb kaowu_limits_pgbench
pgbench -q -i -s 10 kaowu_limits_pgbench >/dev/null 2>&1
pgbench -c "$pg_clients" -j 2 -T "$SECONDS_PER_MIX" kaowu_limits_pgbench >"$out/pgbench.txt" 2>&1
pgbench_tps=$(awk '/^tps = /{print $3; exit}' "$out/pgbench.txt")
echo "  pgbench tpcb-like: $pgbench_tps tps with $pg_clients clients" >&2

# 2. The HTTP limit: a bare Go handler returning a fixed body.
"$kaowu" bench bare --addr 127.0.0.1:18090 >/dev/null 2>&1 & pids+=($!)
wait_up http://127.0.0.1:18090
run_mix bare http://127.0.0.1:18090 fixed

# 3. kaowu on SQLite and on PostgreSQL: public read, signed-in read,
# submissions, whole journeys.
engine_run() { # engine db port
  local engine=$1 db=$2 port=$3
  "$kaowu" serve --demo --db "$db" --now "$NOW" --addr "127.0.0.1:$port" --log-level error >"$out/serve-$engine.log" 2>&1 & pids+=($!)
  wait_up "http://127.0.0.1:$port"
  run_mix "$engine-catalog" "http://127.0.0.1:$port" catalog
  run_mix "$engine-status" "http://127.0.0.1:$port" status
  run_mix "$engine-submit" "http://127.0.0.1:$port" submit --count "$SUBMITS"
  run_mix "$engine-journey" "http://127.0.0.1:$port" journey
}
engine_run sqlite "$out/limits.db" 18081
dropdb --if-exists kaowu_limits >/dev/null 2>&1 || true
createdb kaowu_limits
engine_run postgres "postgres://$PGUSER@$PGHOST:$PGPORT/kaowu_limits?sslmode=disable" 18082

# 4. The ratios.
say "kaowu as ratios of this machine's limits"
python3 - "$out" "$pgbench_tps" "$pg_clients" "$CLIENTS" <<'EOF'
import json,sys,os
d,pg,pgc,clients=sys.argv[1],float(sys.argv[2]),sys.argv[3],int(sys.argv[4])
def op(f,name):
    r=json.load(open(os.path.join(d,f+".json")))
    for o in r["ops"]:
        if o["name"]==name: return o
    return {"per_second":0,"p99_ns":0,"ok":0,"errors":{}}
bare=op("bare","fixed")["per_second"]
print(f"machine: pgbench tpcb-like {pg:.0f} tps ({pgc} clients); bare Go handler {bare:.0f} req/s ({clients} clients)")
print(f'{"figure":44} {"value":>10} {"ratio":>8}  target')
def line(name,v,ratio,target,ok):
    print(f"{name:44} {v:10.1f} {ratio:8} {target} {'met' if ok else 'NOT met'}")
for eng in ("sqlite","postgres"):
    s=op(eng+"-submit","submit"); c=op(eng+"-catalog","catalog"); st=op(eng+"-status","status")
    if eng=="postgres":
        line("postgres: submissions/s vs pgbench",s["per_second"],f'{s["per_second"]/pg:.0%}',"≥ 50 %",s["per_second"]/pg>=0.5)
    else:
        line("sqlite: submissions/s",s["per_second"],"-","≥ 1000/s",s["per_second"]>=1000)
    line(eng+": catalog reads/s vs bare handler",c["per_second"],f'{c["per_second"]/bare:.0%}',"≥ 50 %",c["per_second"]/bare>=0.5)
    line(eng+": status page reads/s vs bare handler",st["per_second"],f'{st["per_second"]/bare:.0%}',"≥ 50 %",st["per_second"]/bare>=0.5)
    for name,o in (("submit",s),("catalog",c),("status",st)):
        p99=o["p99_ns"]/1e6
        line(f"{eng}: {name} p99 ms at {clients} clients",p99,"-","< 100 ms",p99<100)
    errs={k:v for k,o in (("submit",s),("catalog",c),("status",st)) for k,v in o.get("errors",{}).items()}
    if errs: print(f"  {eng}: errors {errs}")
EOF
