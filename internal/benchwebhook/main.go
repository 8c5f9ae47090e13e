package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:4141/events", "plumb serve's /events")
	secret := flag.String("secret", "", "webhook secret")
	n := flag.Int("n", 10000, "deliveries to send")
	conc := flag.Int("c", 16, "deliveries in flight")
	warm := flag.Int("warmup", 200, "deliveries sent first and not measured")
	flag.Parse()
	if err := waitHealthy(strings.TrimSuffix(*url, "/events")+"/healthz", 15*time.Second); err != nil {
		fmt.Fprintln(os.Stderr, "benchwebhook:", err)
		os.Exit(1)
	}
	if err := run(*url, []byte(*secret), *n, *conc, *warm); err != nil {
		fmt.Fprintln(os.Stderr, "benchwebhook:", err)
		os.Exit(1)
	}
}

// waitHealthy waits for the server to come up.
func waitHealthy(url string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not healthy after %s (last error: %v)", url, limit, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

const payload = `{"action":"synchronize","number":42,"pull_request":{"number":42,"draft":false,
 "head":{"ref":"feature","sha":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","repo":{"full_name":"acme/infra"}},
 "base":{"ref":"main","sha":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","repo":{"full_name":"acme/infra"}}},
 "repository":{"full_name":"acme/infra","clone_url":"https://github.com/acme/infra.git","default_branch":"main"},
 "sender":{"login":"octocat"}}`

func run(url string, secret []byte, n, conc, warm int) error {
	body := []byte(payload)
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	sig := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}, Timeout: 30 * time.Second}
	run := fmt.Sprintf("%d", time.Now().UnixNano())
	post := func(i int) (time.Duration, error) {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-GitHub-Event", "pull_request")
		req.Header.Set("X-GitHub-Delivery", fmt.Sprintf("bench-%s-%d", run, i))
		req.Header.Set("X-Hub-Signature-256", sig)
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d := time.Since(start)
		if resp.StatusCode != http.StatusAccepted {
			return d, fmt.Errorf("delivery %d: status %d", i, resp.StatusCode)
		}
		return d, nil
	}
	send := func(from, to int, lat []time.Duration) error {
		var next atomic.Int64
		next.Store(int64(from))
		var g errgroup.Group
		for range conc {
			g.Go(func() error {
				for {
					i := int(next.Add(1)) - 1
					if i >= to {
						return nil
					}
					d, err := post(i)
					if err != nil {
						return err
					}
					if lat != nil {
						lat[i-from] = d
					}
				}
			})
		}
		return g.Wait()
	}
	if err := send(0, warm, nil); err != nil {
		return err
	}
	lat := make([]time.Duration, n)
	start := time.Now()
	if err := send(warm, warm+n, lat); err != nil {
		return err
	}
	elapsed := time.Since(start)
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(n-1))]) / 1e6 }
	fmt.Printf("%.0f %.2f %.2f %d\n", float64(n)/elapsed.Seconds(), pct(0.50), pct(0.99), n)
	return nil
}
