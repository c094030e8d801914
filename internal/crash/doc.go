// Package crash holds the crash test (issue 6): it runs the real kaowu
// binary on SQLite and PostgreSQL, kills it with SIGKILL while candidates'
// submissions are in flight, restarts it on the same database and checks
// that every acknowledged submission is there exactly once and nothing is
// half-written. The package has only tests; this file names it.
package crash
