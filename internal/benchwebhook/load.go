package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// payload is a draft pull request: the pull request job declines it
// without calling GitHub (plumb serve does not plan drafts by default), so
// each job is the queue's own work plus the real dispatch. Its clone URL
// is dead too: the drift scheduler sweeps every repository it has seen,
// and that sweep must fail at once, not clone from the internet.
const payload = `{"action":"synchronize","number":42,"pull_request":{"number":42,"draft":true,
 "head":{"ref":"feature","sha":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","repo":{"full_name":"acme/infra"}},
 "base":{"ref":"main","sha":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","repo":{"full_name":"acme/infra"}}},
 "repository":{"full_name":"acme/infra","clone_url":"` + deadURL + `/acme/infra.git","default_branch":"main"},
 "sender":{"login":"octocat"}}`

// loader posts signed deliveries to one server, each with a delivery ID
// of its own across all its batches.
type loader struct {
	url    string
	body   []byte
	sig    string
	client *http.Client
	run    string
	seq    atomic.Int64
}

func newLoader(url string, secret []byte, conc int) *loader {
	body := []byte(payload)
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return &loader{
		url: url, body: body, sig: "sha256=" + hex.EncodeToString(mac.Sum(nil)),
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}, Timeout: 30 * time.Second},
		run:    fmt.Sprintf("%d", time.Now().UnixNano()),
	}
}

// post sends one delivery and returns the time to its 202.
func (l *loader) post() (time.Duration, error) {
	i := l.seq.Add(1)
	req, err := http.NewRequest(http.MethodPost, l.url, bytes.NewReader(l.body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "pull_request")
	req.Header.Set("X-GitHub-Delivery", fmt.Sprintf("bench-%s-%d", l.run, i))
	req.Header.Set("X-Hub-Signature-256", l.sig)
	start := time.Now()
	resp, err := l.client.Do(req)
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

// send posts n deliveries, conc in flight, and records each latency in
// lat when it is not nil (len n).
func (l *loader) send(n, conc int, lat []time.Duration) error {
	var next atomic.Int64
	var g errgroup.Group
	for range conc {
		g.Go(func() error {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return nil
				}
				d, err := l.post()
				if err != nil {
					return err
				}
				if lat != nil {
					lat[i] = d
				}
			}
		})
	}
	return g.Wait()
}
