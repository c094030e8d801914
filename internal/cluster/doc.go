// Package cluster holds the cluster tests (issue 12): scripts/cluster.sh
// brings up a PostgreSQL primary with a streaming standby, three kaowu
// nodes and nginx in front of them on this machine, and the tests load it
// through nginx while things fail: a standby whose replay is paused never
// causes a wrong decision, a standby stopped mid-load is replaced by the
// primary without errors, a node killed mid-load loses no acknowledged
// write and nginx stops sending to it, and after the primary is stopped
// and the standby promoted the nodes write again. They need root, Debian's
// pg_createcluster and nginx (CI has them) and skip without them. The
// package has only tests; this file names it.
package cluster
