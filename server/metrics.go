package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/plumbhq/plumb"
)

// MetricsConfig says where the metrics live and how to read the gauges that
// come from the database at scrape time.
type MetricsConfig struct {
	// Registry receives every collector; a fresh one when nil.
	Registry *prometheus.Registry
	// QueueJobs returns the queue's job count per state.
	QueueJobs func(ctx context.Context) (map[string]int, error)
	// Locks returns what the store's locks look like now.
	Locks func(ctx context.Context) (LockStats, error)
	// DriftStates returns every project's drift state.
	DriftStates func(ctx context.Context) ([]plumb.DriftState, error)
	Logger      *slog.Logger
}

// Metrics are plumb's Prometheus metrics (the contract's names). The
// counters are fed through methods; the queue and lock gauges are read from
// the database when scraped, so they are right after a restart too.
type Metrics struct {
	registry   *prometheus.Registry
	deliveries *prometheus.CounterVec
	runs       *prometheus.CounterVec
	duration   *prometheus.HistogramVec
}

// NewMetrics registers plumb's metrics on cfg.Registry.
func NewMetrics(cfg MetricsConfig) *Metrics {
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{
		registry: cfg.Registry,
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plumb_webhook_deliveries_total",
			Help: "Webhook deliveries received, by event and result (accepted, duplicate, ignored, not_allowed, unauthorized, invalid, too_large, error).",
		}, []string{"event", "result"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plumb_runs_total",
			Help: "Runs finished, by kind and status.",
		}, []string{"kind", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "plumb_run_duration_seconds",
			Help: "Run durations, by kind.",
			// Terraform runs: seconds to an hour.
			Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600},
		}, []string{"kind"}),
	}
	cfg.Registry.MustRegister(m.deliveries, m.runs, m.duration, &dbCollector{cfg: cfg})
	if cfg.DriftStates != nil {
		cfg.Registry.MustRegister(&driftCollector{states: cfg.DriftStates})
	}
	return m
}

// Registry is where the metrics are registered, for others to add theirs.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// RunFinished counts a finished run and observes its duration.
func (m *Metrics) RunFinished(kind, status string, d time.Duration) {
	m.runs.WithLabelValues(kind, status).Inc()
	m.duration.WithLabelValues(kind).Observe(d.Seconds())
}

func (m *Metrics) delivery(event, result string) {
	m.deliveries.WithLabelValues(event, result).Inc()
}

// LockStats are the lock gauges: how many locks are held, the age of the
// oldest, and how many changes wait in line for one.
type LockStats struct {
	Held      int
	OldestAge time.Duration
	Waiting   int
}

var (
	queueJobsDesc  = prometheus.NewDesc("plumb_queue_jobs", "Queue jobs, by state.", []string{"state"}, nil)
	locksHeldDesc  = prometheus.NewDesc("plumb_locks_held", "Locks held in the store.", nil, nil)
	lockOldestDesc = prometheus.NewDesc("plumb_lock_oldest_age_seconds", "Age of the oldest lock held (0 when none): locks are never broken, so an old one needs a human.", nil, nil)
	waitingDesc    = prometheus.NewDesc("plumb_apply_queue_waiting", "Changes waiting in line for a lock another owner holds.", nil, nil)
)

// scrapeTimeout bounds a scrape's database reads.
const scrapeTimeout = 5 * time.Second

// dbCollector reads the queue and lock gauges at scrape time.
type dbCollector struct{ cfg MetricsConfig }

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueJobsDesc
	ch <- locksHeldDesc
	ch <- lockOldestDesc
	ch <- waitingDesc
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	if c.cfg.QueueJobs != nil {
		counts, err := c.cfg.QueueJobs(ctx)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(queueJobsDesc, err)
		}
		for state, n := range counts {
			ch <- prometheus.MustNewConstMetric(queueJobsDesc, prometheus.GaugeValue, float64(n), state)
		}
	}
	if c.cfg.Locks != nil {
		st, err := c.cfg.Locks(ctx)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(locksHeldDesc, err)
			return
		}
		ch <- prometheus.MustNewConstMetric(locksHeldDesc, prometheus.GaugeValue, float64(st.Held))
		ch <- prometheus.MustNewConstMetric(lockOldestDesc, prometheus.GaugeValue, st.OldestAge.Seconds())
		ch <- prometheus.MustNewConstMetric(waitingDesc, prometheus.GaugeValue, float64(st.Waiting))
	}
}
