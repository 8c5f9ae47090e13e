package server

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/plumbhq/plumb"
)

// The drift gauges carry a repo label besides the contract's project:
// two repositories may each have a project of the same name.
var (
	driftStatusDesc = prometheus.NewDesc("plumb_drift_status",
		"Drift status of each project's last check: 0 clean, 1 drifted, 2 pending, 3 drifted_pending, 4 error.", []string{"repo", "project"}, nil)
	driftResourcesDesc = prometheus.NewDesc("plumb_drift_resources",
		"Findings of each project's last check that count (not acknowledged), by kind (out_of_band, pending).", []string{"repo", "project", "kind"}, nil)
	driftCheckedDesc = prometheus.NewDesc("plumb_drift_last_check_timestamp_seconds",
		"When each project was last checked for drift (Unix time).", []string{"repo", "project"}, nil)
)

var driftStatusValue = map[plumb.DriftStatus]float64{
	plumb.DriftClean: 0, plumb.DriftDrifted: 1, plumb.DriftPendingOnly: 2, plumb.DriftDriftedPending: 3, plumb.DriftError: 4,
}

// driftCollector reads the drift gauges from the store at scrape time, so
// they are right after a restart too.
type driftCollector struct {
	states func(ctx context.Context) ([]plumb.DriftState, error)
}

func (c *driftCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- driftStatusDesc
	ch <- driftResourcesDesc
	ch <- driftCheckedDesc
}

func (c *driftCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	states, err := c.states(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(driftStatusDesc, err)
		return
	}
	for _, s := range states {
		if s.CheckedAt.IsZero() {
			continue // only skipped so far: nothing known
		}
		ch <- prometheus.MustNewConstMetric(driftStatusDesc, prometheus.GaugeValue, driftStatusValue[s.Status], s.Repo, s.Project)
		n := map[plumb.DriftKind]int{}
		for _, f := range s.Findings {
			if f.Acknowledged == nil {
				n[f.Kind]++
			}
		}
		for _, k := range []plumb.DriftKind{plumb.DriftOutOfBand, plumb.DriftPending} {
			ch <- prometheus.MustNewConstMetric(driftResourcesDesc, prometheus.GaugeValue, float64(n[k]), s.Repo, s.Project, string(k))
		}
		ch <- prometheus.MustNewConstMetric(driftCheckedDesc, prometheus.GaugeValue, float64(s.CheckedAt.UnixNano())/1e9, s.Repo, s.Project)
	}
}
