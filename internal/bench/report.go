package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Report is what one run measured.
type Report struct {
	Mix     string        `json:"mix"`
	URL     string        `json:"url"`
	Clients int           `json:"clients"`
	Started time.Time     `json:"started"`
	Elapsed time.Duration `json:"elapsed_ns"`
	Ops     []Op          `json:"ops"`
}

// Op is one operation's figures over the measured phase.
type Op struct {
	Name      string            `json:"name"`
	OK        int               `json:"ok"`
	Errors    map[string]int    `json:"errors,omitempty"`
	Samples   map[string]string `json:"error_samples,omitempty"` // the first error of each kind
	PerSecond float64           `json:"per_second"`
	P50       time.Duration     `json:"p50_ns"`
	P95       time.Duration     `json:"p95_ns"`
	P99       time.Duration     `json:"p99_ns"`
	Max       time.Duration     `json:"max_ns"`
}

// Op returns the figures of the named operation (zero if it never ran).
func (r *Report) Op(name string) Op {
	for _, o := range r.Ops {
		if o.Name == name {
			return o
		}
	}
	return Op{Name: name}
}

// WriteText prints the report as a table.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "mix=%s clients=%d elapsed=%.1fs url=%s\n", r.Mix, r.Clients, r.Elapsed.Seconds(), r.URL)
	fmt.Fprintf(w, "%-10s %9s %9s %9s %9s %9s %9s  %s\n", "op", "ok", "ok/s", "p50", "p95", "p99", "max", "errors")
	for _, o := range r.Ops {
		var errs []string
		for k, n := range o.Errors {
			errs = append(errs, fmt.Sprintf("%s×%d", k, n))
		}
		slices.Sort(errs)
		fmt.Fprintf(w, "%-10s %9d %9.1f %9s %9s %9s %9s  %s\n", o.Name, o.OK, o.PerSecond,
			ms(o.P50), ms(o.P95), ms(o.P99), ms(o.Max), strings.Join(errs, " "))
	}
	for _, o := range r.Ops {
		for k, s := range o.Samples {
			fmt.Fprintf(w, "first %s of %s: %s\n", k, o.Name, s)
		}
	}
}

// WriteJSON prints the report as JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }
