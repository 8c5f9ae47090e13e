package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// result is one round's figures on one database.
type result struct {
	rate, p50, p99 float64 // intake: deliveries/s, ms to the 202
	jobs, wide     jobPhase
}

// jobPhase is a batch of jobs, from the first send to the last completed.
type jobPhase struct {
	rate, secs float64
	accept     float64 // the batch's deliveries, first sent to last 202
}

type config struct {
	plumb, secret string
	n, conc, warm int
	workers       int // serve --workers of intake and the first job phase
	jobs          int
	wideWorkers   int // serve --workers of the second job phase
	wideJobs      int
	rounds        int
	databases     []string
	pg            *pgServer
	seq           int // databases made on pg

	mu   sync.Mutex
	live []*serveProc // servers running, stopped on SIGINT/SIGTERM
}

func main() {
	var c config
	var dbs, pgBin string
	flag.StringVar(&c.plumb, "plumb", "bin/plumb", "the plumb binary to serve")
	flag.IntVar(&c.n, "n", 10000, "deliveries of the intake phase")
	flag.IntVar(&c.conc, "c", 16, "deliveries in flight")
	flag.IntVar(&c.warm, "warmup", 40, "deliveries sent first, their jobs awaited, not measured")
	flag.IntVar(&c.workers, "workers", 2, "serve --workers of intake and the first job phase (serve's default)")
	flag.IntVar(&c.jobs, "jobs", 300, "jobs of the first job phase")
	flag.IntVar(&c.wideJobs, "wide-jobs", 1000, "jobs of the job phase on -wide-workers")
	flag.IntVar(&c.wideWorkers, "wide-workers", 16, "serve --workers of the second job phase; 0 skips it")
	flag.IntVar(&c.rounds, "rounds", 2, "rounds; each runs every database, in alternating order, and medians are printed")
	flag.StringVar(&dbs, "databases", "sqlite,postgres", "databases to serve on, in the first round's order")
	flag.StringVar(&pgBin, "postgres-bin", "", "PostgreSQL server binaries (default: the newest /usr/lib/postgresql/*/bin)")
	flag.Parse()
	c.secret = "bench-secret"
	c.databases = strings.Split(dbs, ",")
	if slices.Contains(c.databases, "postgres") {
		pg, err := startPostgres(pgBin)
		if err != nil {
			fail(err)
		}
		c.pg = pg
	}
	// Ctrl-C still removes the cluster and the data dirs.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		c.mu.Lock()
		for _, s := range c.live {
			s.stop()
		}
		if c.pg != nil {
			c.pg.stop()
		}
		os.Exit(1)
	}()
	results, err := c.run()
	if c.pg != nil {
		c.pg.stop()
	}
	if err != nil {
		fail(err)
	}
	for _, db := range c.databases {
		rs := results[db]
		med := func(f func(result) float64) float64 { return median(rs, f) }
		fmt.Printf("%s %.0f %.2f %.2f %d %.1f %d %.2f %.2f %d %.1f %d %.2f\n", db,
			med(func(r result) float64 { return r.rate }), med(func(r result) float64 { return r.p50 }),
			med(func(r result) float64 { return r.p99 }),
			c.workers, med(func(r result) float64 { return r.jobs.rate }), c.jobs, med(func(r result) float64 { return r.jobs.secs }),
			med(func(r result) float64 { return r.jobs.accept }),
			c.wideWorkers, med(func(r result) float64 { return r.wide.rate }), c.wideJobs,
			med(func(r result) float64 { return r.wide.secs }))
	}
}

func median(rs []result, f func(result) float64) float64 {
	var v []float64
	for _, r := range rs {
		v = append(v, f(r))
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchwebhook:", err)
	os.Exit(1)
}

// run runs the rounds; odd rounds take the databases in reverse, so a
// load change on the machine during a run weighs on both alike.
func (c *config) run() (map[string][]result, error) {
	results := map[string][]result{}
	for r := range c.rounds {
		order := slices.Clone(c.databases)
		if r%2 == 1 {
			slices.Reverse(order)
		}
		for _, db := range order {
			res, err := c.one(db)
			if err != nil {
				return nil, fmt.Errorf("round %d, %s: %w", r+1, db, err)
			}
			fmt.Fprintf(os.Stderr, "webhook: round %d %-8s intake %.0f/s p50 %.2f ms p99 %.2f ms; at %d workers %d jobs in %.2f s (%.1f/s, accepted in %.2f s); at %d workers %d jobs in %.2f s (%.1f/s)\n",
				r+1, db, res.rate, res.p50, res.p99, c.workers, c.jobs, res.jobs.secs, res.jobs.rate, res.jobs.accept,
				c.wideWorkers, c.wideJobs, res.wide.secs, res.wide.rate)
			results[db] = append(results[db], res)
		}
	}
	return results, nil
}

// one measures db on fresh servers. At c.workers: the job phase first, on
// an empty queue, then intake, while the workers keep taking its jobs (as
// in service). Then the job phase again at wideWorkers: River fetches at
// most every 100 ms (its FetchCooldown), so cheap jobs run at no more than
// workers per 100 ms, and only with more workers does the database's own
// cost show.
func (c *config) one(db string) (result, error) {
	var res result
	s, err := c.serve(db, c.workers)
	if err != nil {
		return res, err
	}
	defer s.stop()
	l := newLoader(s.base+"/events", []byte(c.secret), c.conc)
	if res.jobs, err = c.jobPhase(s, l, c.jobs); err != nil {
		return res, err
	}
	lat := make([]time.Duration, c.n)
	start := time.Now()
	if err := l.send(c.n, c.conc, lat); err != nil {
		return res, err
	}
	res.rate = float64(c.n) / time.Since(start).Seconds()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(c.n-1))]) / 1e6 }
	res.p50, res.p99 = pct(0.50), pct(0.99)
	s.stop()

	if c.wideWorkers > 0 {
		s, err := c.serve(db, c.wideWorkers)
		if err != nil {
			return res, err
		}
		defer s.stop()
		if res.wide, err = c.jobPhase(s, newLoader(s.base+"/events", []byte(c.secret), c.conc), c.wideJobs); err != nil {
			return res, fmt.Errorf("%d workers: %w", c.wideWorkers, err)
		}
	}
	return res, nil
}

// serve starts plumb serve on db: a new database of its own on the
// PostgreSQL server, as each SQLite server has a new file.
func (c *config) serve(db string, workers int) (*serveProc, error) {
	var url string
	switch db {
	case "sqlite":
	case "postgres":
		c.seq++
		var err error
		if url, err = c.pg.createDB(fmt.Sprintf("plumb_bench_%d", c.seq)); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown database %q: want sqlite or postgres", db)
	}
	s, err := startServe(c.plumb, c.secret, url, workers)
	if err == nil {
		c.mu.Lock()
		c.live = append(c.live, s)
		c.mu.Unlock()
	}
	return s, err
}

// jobPhase waits out a warm-up batch, then sends n deliveries at once and
// times them from the first send until their jobs are completed.
func (c *config) jobPhase(s *serveProc, l *loader, n int) (jobPhase, error) {
	var p jobPhase
	if err := l.send(c.warm, c.conc, nil); err != nil {
		return p, err
	}
	if _, err := s.waitCompleted(c.warm, 2*time.Minute); err != nil {
		return p, fmt.Errorf("warm-up: %w", err)
	}
	start := time.Now()
	if err := l.send(n, c.conc, nil); err != nil {
		return p, err
	}
	p.accept = time.Since(start).Seconds()
	done, err := s.waitCompleted(c.warm+n, 10*time.Minute)
	if err != nil {
		return p, fmt.Errorf("job phase: %w", err)
	}
	p.secs = done.Sub(start).Seconds()
	p.rate = float64(n) / p.secs
	return p, nil
}
