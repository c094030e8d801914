#!/usr/bin/env bash
# bench/cluster.sh: kaowu's cluster figures (issue 12, docs/scale.md):
# throughput through nginx with three kaowu nodes against one node, for
# the score look-up (cold: each look-up another candidate's first, read on
# the standby; warm: from the nodes' memory) and for the application's
# write path (submissions). Nothing is asserted; the figures go into
# bench/RESULTS.md by hand, with the date, this command and `uptime`.
#
#   bench/cluster.sh                        # 64 clients, 10 s per run, 600 submissions
#   CLIENTS=100 SECONDS_PER_RUN=15 SUBMITS=1000 SCORES=120000 bench/cluster.sh
#
# It runs scripts/cluster.sh (its default ports: PostgreSQL 5440/5441,
# nodes 18081…, nginx 18080) and leaves the cluster up with three nodes;
# `scripts/cluster.sh down` stops it. Needs what scripts/cluster.sh needs,
# and python3. Everything shares this machine's cores: the load tool,
# nginx, the nodes and both PostgreSQL clusters.
set -Eeuo pipefail
cd "$(dirname "$0")/.."

CLIENTS=${CLIENTS:-64}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
SUBMITS=${SUBMITS:-600}
SCORES=${SCORES:-80000}
WARM=${WARM:-3001} # the warm runs' candidates (not a multiple of 3: round robin then takes each to every node)
NGINX=http://127.0.0.1:${KW_NGINX_PORT:-18080}
STATE=${KW_STATE:-/tmp/kaowu-cluster}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
trap 'echo "bench/cluster.sh: failed at line $LINENO; the load tool said:" >&2; tail -n 5 "$out/progress.log" >&2 2>/dev/null' ERR
say() { printf '\n== %s\n' "$*" >&2; }

say "machine: $(nproc) cores; $(uptime)"
scripts/cluster.sh up >/dev/null
kaowu=$STATE/kaowu
psql_kw() { scripts/cluster.sh psql -XAtq "$@"; }
primary_url=$(scripts/cluster.sh status | awk '/^primary URL: /{print $3}')

# Published results: tickets made by SQL, the result file imported with
# `kaowu import scores`, the publication set before the nodes' clock (as
# the region office would at /review/scores).
have=$(psql_kw -c "SELECT count(*) FROM scores")
if [ "$have" -lt "$SCORES" ]; then
  say "seeding $SCORES published results"
  psql_kw <<SQL >/dev/null
INSERT INTO users (id, username, name, role, password_hash, created_at, id_type, id_number)
 SELECT 'bsu' || i, 'bs' || i, '考生' || i, 'candidate', 'x', now(), 'resident_id', 'B' || lpad(i::text, 17, '0')
 FROM generate_series(0, $SCORES - 1) i ON CONFLICT DO NOTHING;
INSERT INTO applications (id, candidate_id, year, site, specialty, level, declarations, state, version, created_at, updated_at)
 SELECT 'bsa' || i, 'bsu' || i, 2024, 'fengtai', (ARRAY['302','303','304','305','306','307','308','309','310','312'])[i % 10 + 1],
   'intermediate', '{}', 'ticketed', 0, now(), now() FROM generate_series(0, $SCORES - 1) i ON CONFLICT DO NOTHING;
INSERT INTO tickets (application_id, year, site, specialty, ticket_no, seq, archive_no, issued_at)
 SELECT 'bsa' || i, 2024, 'fengtai', (ARRAY['302','303','304','305','306','307','308','309','310','312'])[i % 10 + 1],
   '24110106' || (ARRAY['302','303','304','305','306','307','308','309','310','312'])[i % 10 + 1] || lpad((i / 10 + 1)::text, 5, '0'),
   i / 10 + 1, '2024-110106-' || lpad(i::text, 7, '0'), now() FROM generate_series(0, $SCORES - 1) i ON CONFLICT DO NOTHING;
SQL
  q="SELECT t.ticket_no AS 准考证号, '居民身份证' AS 证件类型, u.id_number AS 证件号码, u.name AS 姓名, t.specialty AS 专业代码,
      (40 + t.seq % 61)::text AS 基础知识, (50 + t.seq % 51)::text AS 相关专业知识, (55 + t.seq % 46)::text AS 专业知识,
      (30 + t.seq % 71)::text AS 专业实践能力, '否' AS 违纪
    FROM tickets t JOIN applications a ON a.id = t.application_id JOIN users u ON u.id = a.candidate_id
    WHERE a.id LIKE 'bsa%' ORDER BY t.ticket_no"
  psql_kw -c "\\copy ($(tr '\n' ' ' <<<"$q")) TO STDOUT WITH CSV HEADER" >"$out/results.csv"
  # Files of at most 40 000 rows (the import's limit per file is 50 000).
  tail -n +2 "$out/results.csv" | split -l 40000 - "$out/part-"
  for part in "$out"/part-*; do
    { head -n 1 "$out/results.csv"; cat "$part"; } >"$part.csv"
    "$kaowu" import scores 2024 "$part.csv" --db "$primary_url" >&2
  done
  psql_kw -c "INSERT INTO score_publications (year, publish_at, set_by) VALUES (2024, '2023-12-01 00:00:00', 'bench/cluster.sh')
    ON CONFLICT (year) DO UPDATE SET publish_at = excluded.publish_at" >/dev/null
fi
q="SELECT s.ticket_no, u.id_number FROM scores s JOIN applications a ON a.id = s.application_id JOIN users u ON u.id = a.candidate_id
  WHERE a.id LIKE 'bsa%' ORDER BY md5(s.ticket_no)"
psql_kw -c "\\copy ($(tr '\n' ' ' <<<"$q")) TO STDOUT WITH CSV" >"$out/all.csv"
head -n "$WARM" "$out/all.csv" >"$out/warm.csv"
tail -n +"$(( WARM + 1 ))" "$out/all.csv" >"$out/cold.csv"

# CPU time of the cluster's parts, in clock ticks: the nodes, nginx (master
# and workers), both PostgreSQL clusters (postmasters with their reaped
# children, and live backends); the load tool's comes from /usr/bin/time.
hz=$(getconf CLK_TCK)
ticks_of() { # pids…: utime+stime (+cutime+cstime with --children first)
  local with_children=0
  if [ "${1:-}" = --children ]; then with_children=1; shift; fi
  local p sum=0 t
  for p in "$@"; do
    t=$(awk -v c="$with_children" '{sub(/^.*\) /, ""); print $12 + $13 + (c ? $14 + $15 : 0)}' "/proc/$p/stat" 2>/dev/null || echo 0)
    sum=$(( sum + ${t:-0} ))
  done
  echo "$sum"
}
cpu_snapshot() { # → "nodes nginx postgres"
  local nodes=() pms=() kids=() ng=() f d
  for f in "$STATE"/node*.pid; do [ -e "$f" ] && nodes+=("$(cat "$f")"); done
  if [ -f "$STATE/nginx.pid" ]; then ng=("$(cat "$STATE/nginx.pid")"); ng+=($(pgrep -P "${ng[0]}" || true)); fi
  for d in $(pg_lsclusters -h | awk '$2=="'"${KW_PRIMARY:-kwprimary}"'" || $2=="'"${KW_STANDBY:-kwstandby}"'" {print $6}'); do
    [ -f "$d/postmaster.pid" ] || continue
    pms+=("$(head -n 1 "$d/postmaster.pid")")
    kids+=($(pgrep -P "${pms[-1]}" || true))
  done
  echo "$(ticks_of "${nodes[@]}") $(ticks_of "${ng[@]}") $(( $(ticks_of --children "${pms[@]}") + $(ticks_of "${kids[@]}") ))"
}

run() { # name url mix [args]: one measured run, its JSON and CPU times kept
  local name=$1 url=$2 mix=$3; shift 3
  local before after
  before=$(cpu_snapshot)
  /usr/bin/time -f '%U %S' -o "$out/$name.tool" \
    "$kaowu" bench --url "$url" --mix "$mix" --clients "$CLIENTS" --duration "${SECONDS_PER_RUN}s" --json "$@" >"$out/$name.json" 2>>"$out/progress.log"
  after=$(cpu_snapshot)
  echo "$before $after $hz" >"$out/$name.cpu"
  python3 - "$out" "$name" <<'EOF' >&2
import json,sys,os
d,name=sys.argv[1],sys.argv[2]
r=json.load(open(os.path.join(d,name+".json")))
c=[float(x) for x in open(os.path.join(d,name+".cpu")).read().split()]
hz=c[6]; parts=[(c[3+i]-c[i])/hz for i in range(3)]
tool=sum(float(x) for x in open(os.path.join(d,name+".tool")).read().split()[-2:])
for o in r["ops"]:
    if o["name"] in ("scores","submit"):
        n=max(o["ok"],1)
        # the submit run's CPU includes preparing its candidates (not measured): per request only for the look-ups
        cpu = "" if o["name"]=="submit" else "  CPU ms/request: nodes %.2f nginx %.2f postgres %.2f load tool %.2f" % tuple(x*1000/n for x in parts+[tool])
        print(f'  {name:14} {o["name"]:7} {o["ok"]:7d} ok {o["per_second"]:8.1f}/s p50 {o["p50_ns"]/1e6:6.1f} ms p99 {o["p99_ns"]/1e6:6.1f} ms errors {o.get("errors",{})}{cpu}')
EOF
}

# The cold runs take their candidates from one list without repeating:
# each run starts where the previous one stopped.
cold_from=1
cold_run() { # name url
  local pairs=$out/cold-$1.csv
  sed -n "${cold_from},$(( cold_from + 44999 ))p" "$out/cold.csv" >"$pairs" # the tool reads 50 000 rows at most
  run "$1" "$2" scores --pairs "$pairs"
  local used
  used=$(python3 -c 'import json,sys; print(next(o["ok"] for o in json.load(open(sys.argv[1]))["ops"] if o["name"]=="scores"))' "$out/$1.json")
  cold_from=$(( cold_from + used + CLIENTS ))
  if [ "$used" -ge "$(wc -l <"$pairs")" ]; then echo "  (the cold run wrapped round its candidates: raise SCORES)" >&2; fi
}

for n in 1 3; do
  say "$n node(s) behind nginx"
  scripts/cluster.sh down >/dev/null # fresh nodes: empty caches
  KW_NODES=$n scripts/cluster.sh up >/dev/null
  cold_run "cold-$n" "$NGINX"
  # Warm: a first pass through nginx fills every node's memory (not
  # measured), then the measured pass.
  "$kaowu" bench --url "$NGINX" --mix scores --clients "$CLIENTS" --duration 6s --pairs "$out/warm.csv" >/dev/null 2>&1
  run "warm-$n" "$NGINX" scores --pairs "$out/warm.csv"
  run "submit-$n" "$NGINX" submit --count "$SUBMITS"
done
say "reference: one node without nginx"
run "warm-direct" "http://127.0.0.1:$(( ${KW_NODE_BASE:-18080} + 1 ))" scores --pairs "$out/warm.csv"

say "three nodes against one, through nginx ($CLIENTS clients, ${SECONDS_PER_RUN} s per run; $(uptime | sed 's/.*load/load/'))"
python3 - "$out" <<'EOF'
import json,os,sys
d=sys.argv[1]
def op(name, o):
    r=json.load(open(os.path.join(d,name+".json")))
    x=next((x for x in r["ops"] if x["name"]==o), {"per_second":0,"p99_ns":0})
    x.setdefault("errors",{})
    return x
print(f'{"figure":36} {"1 node":>10} {"3 nodes":>10} {"ratio":>7}   p99 1 / 3 nodes')
for label,name,o in (("score look-up, cold (standby read)","cold","scores"),("score look-up, warm (memory)","warm","scores"),("submissions","submit","submit")):
    a,b=op(name+"-1",o),op(name+"-3",o)
    ratio=b["per_second"]/a["per_second"] if a["per_second"] else 0
    print(f'{label:36} {a["per_second"]:10.1f} {b["per_second"]:10.1f} {ratio:7.2f}   {a["p99_ns"]/1e6:.1f} / {b["p99_ns"]/1e6:.1f} ms'
          + (f'  errors {a["errors"]} {b["errors"]}' if a["errors"] or b["errors"] else ""))
w=op("warm-direct","scores")
print(f'{"warm look-up, one node without nginx":36} {w["per_second"]:10.1f}')
EOF
say "the cluster stays up with three nodes; scripts/cluster.sh down stops it"
