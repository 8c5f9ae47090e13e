package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/plumbhq/plumb/internal/pgtest"
	"github.com/plumbhq/plumb/internal/s3test"
	"github.com/plumbhq/plumb/internal/testenv"
	"github.com/plumbhq/plumb/store/postgres"
	"github.com/plumbhq/plumb/vcs/githubtest"
)

// cluster is n plumb serve replicas, each with its own data dir, on one
// PostgreSQL and one MinIO bucket, reporting to one GitHub test server.
type cluster struct {
	t        *testing.T
	replicas []*served
	db       *postgres.DB
	out      string // the fixtures' out_dir
	env      []string
	args     []string
}

// add starts one more replica.
func (c *cluster) add() *served {
	s := startServe(c.t, c.t.TempDir(), c.env, c.args...)
	c.replicas = append(c.replicas, s)
	return s
}

// A short lease, so a dead replica is noticed within seconds; the job
// timeout and --job-rescue-after keep their defaults (2h, 2h30m): a dead
// replica's job is retried once its runs are recovered, not after that.
const testLease = 4 * time.Second

var fastRecovery = []string{"--run-lease", testLease.String()}

func startCluster(t *testing.T, w *prWorld, n int, args ...string) *cluster {
	t.Helper()
	url, bucket := pgtest.URL(t), s3test.Bucket(t) // s3test exports MinIO's credentials first
	c := &cluster{t: t, out: t.TempDir()}
	env := append(testenv.Env(t), "TF_VAR_out_dir="+c.out, "PLUMB_GITHUB_TOKEN="+w.gh.Token(), "PLUMB_DATABASE_URL="+url,
		"PLUMB_ARTIFACTS=s3://"+bucket+"/plumb", "PLUMB_ARTIFACTS_ENCRYPTION_KEY="+testArtifactsKey,
		"PLUMB_S3_ENDPOINT="+s3test.Endpoint(t), "PLUMB_S3_PATH_STYLE=true")
	args = append([]string{"--webhook-secret", githubtest.Secret, "--github-url", w.gh.EnterpriseURL()}, args...)
	c.env, c.args = env, args
	for range n {
		c.add()
	}
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c.db = db
	t.Cleanup(func() { // before the database closes
		if !t.Failed() {
			return
		}
		rows, err := db.SQL().Query(`SELECT delivery, status, attempts, error FROM plumb_events WHERE delivery NOT LIKE 'probe-%' ORDER BY delivery`)
		if err == nil {
			for rows.Next() {
				var d, st, e string
				var n int
				rows.Scan(&d, &st, &n, &e)
				t.Logf("event %s: %s after %d attempts %s", d, st, n, e)
			}
			rows.Close()
		}
		for i, s := range c.replicas {
			t.Logf("replica %d (pid %d) log:\n%s", i, s.cmd.Process.Pid, s.log.tail(40))
		}
	})
	return c
}

// deliverAs posts a signed delivery with the given ID and returns the status.
func deliverAs(url, event, id string, body []byte) (int, error) {
	req, err := http.NewRequest(http.MethodPost, url+"/events", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header = githubtest.Headers(event, body)
	req.Header.Set("X-GitHub-Delivery", id)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// count runs a COUNT(*) query.
func (c *cluster) count(q string, args ...any) int {
	c.t.Helper()
	var n int
	if err := c.db.SQL().QueryRow(q, args...).Scan(&n); err != nil {
		c.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// runningOn waits for a running run matching cond (SQL on plumb_runs) and
// returns the replica holding its lease.
func (c *cluster) runningOn(within time.Duration, cond string) (*served, string) {
	c.t.Helper()
	var owner string
	waitFor(c.t, within, "a running run where "+cond, func() (bool, string) {
		err := c.db.SQL().QueryRow(`SELECT lease_owner FROM plumb_runs WHERE status = 'running' AND ` + cond + ` LIMIT 1`).Scan(&owner)
		return err == nil, fmt.Sprint(err)
	})
	parts := strings.Split(owner, "/") // host/pid/random
	pid, _ := strconv.Atoi(parts[len(parts)-2])
	for _, s := range c.replicas {
		if s.cmd.Process.Pid == pid {
			return s, owner
		}
	}
	c.t.Fatalf("lease owner %q is none of the replicas", owner)
	return nil, ""
}

// others are the replicas but s.
func (c *cluster) others(s *served) []*served {
	var out []*served
	for _, r := range c.replicas {
		if r != s {
			out = append(out, r)
		}
	}
	return out
}

func (c *cluster) stop() {
	for _, s := range c.replicas {
		if !s.waited {
			s.stop(syscall.SIGTERM)
		}
	}
}

// prober sends deliveries to replicas round the clock until stopped: a
// ping (answered at once) and, every few, a closed pull request no plumb
// knows (stored, then handled). Any answer but 200 or 202 is a failure.
type prober struct {
	stopc chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	sent  int
	bad   []string
}

func probe(w *prWorld, replicas []*served) *prober {
	p := &prober{stopc: make(chan struct{})}
	ping := w.gh.SetRepo(w.t, githubtest.Payload(w.t, "ping"), "acme", "infra")
	closed := w.payload("closed", 99, "nobody", w.main, false)
	p.wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-p.stopc:
				return
			case <-time.After(250 * time.Millisecond):
			}
			s := replicas[i%len(replicas)]
			event, body := "ping", ping
			if i%8 == 0 {
				event, body = "pull_request", closed
			}
			code, err := deliverAs("http://"+s.addr, event, fmt.Sprintf("probe-%d", i), body)
			p.mu.Lock()
			p.sent++
			if err != nil || (code != 200 && code != 202) {
				p.bad = append(p.bad, fmt.Sprintf("%s to %s: %d %v", event, s.addr, code, err))
			}
			p.mu.Unlock()
		}
	})
	return p
}

// end stops the prober and fails t if any delivery was refused.
func (p *prober) end(t *testing.T) {
	close(p.stopc)
	p.wg.Wait()
	if len(p.bad) > 0 || p.sent == 0 {
		t.Errorf("the live replicas refused %d of %d deliveries: %v", len(p.bad), p.sent, p.bad)
	}
	t.Logf("the live replicas took all %d deliveries sent while a replica was dead", p.sent)
}
