package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"kaowu/internal/store"
)

// replicaCollector exports the read replicas' state (store.ReplicaStats):
// whether each serves reads, how far behind it may be, the reads it
// served, and the reads done on the primary instead.
type replicaCollector struct{ s *store.Store }

var (
	replicaUp = prometheus.NewDesc("kaowu_replica_up",
		"1 when the read replica is reachable and within the lag bound (it serves the lag-tolerant reads), else 0.", []string{"replica"}, nil)
	replicaLag = prometheus.NewDesc("kaowu_replica_lag_seconds",
		"Upper bound of how far the replica is behind the primary; -1 when unknown.", []string{"replica"}, nil)
	replicaReads = prometheus.NewDesc("kaowu_replica_reads_total",
		"Lag-tolerant reads served by the replica.", []string{"replica"}, nil)
	replicaFailures = prometheus.NewDesc("kaowu_replica_failures_total",
		"Reads that failed on the replica and were done on the primary.", []string{"replica"}, nil)
	replicaOnPrimary = prometheus.NewDesc("kaowu_replica_reads_on_primary_total",
		"Lag-tolerant reads served by the primary: no replica was usable, or the one chosen failed.", nil, nil)
)

func (c replicaCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{replicaUp, replicaLag, replicaReads, replicaFailures, replicaOnPrimary} {
		ch <- d
	}
}

func (c replicaCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.s.ReplicaStats()
	for _, r := range st.Replicas {
		up := 0.0
		if r.Up {
			up = 1
		}
		lag := -1.0
		if r.Lag >= 0 {
			lag = r.Lag.Seconds()
		}
		ch <- prometheus.MustNewConstMetric(replicaUp, prometheus.GaugeValue, up, r.Name)
		ch <- prometheus.MustNewConstMetric(replicaLag, prometheus.GaugeValue, lag, r.Name)
		ch <- prometheus.MustNewConstMetric(replicaReads, prometheus.CounterValue, float64(r.Reads), r.Name)
		ch <- prometheus.MustNewConstMetric(replicaFailures, prometheus.CounterValue, float64(r.Failures), r.Name)
	}
	if len(st.Replicas) > 0 {
		ch <- prometheus.MustNewConstMetric(replicaOnPrimary, prometheus.CounterValue, float64(st.OnPrimary))
	}
}
