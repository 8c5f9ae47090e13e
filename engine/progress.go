package engine

import (
	"bytes"
	"crypto/sha256"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// progressEvery is how often a running download is logged: often enough
// that a slow one over a thin link visibly moves, rarely enough that a
// local mirror's logs only say when it started and ended.
const progressEvery = 5 * time.Second

// bigBody is the size from which a response is an archive worth
// reporting progress on; indexes and checksum files stay quiet.
const bigBody = 1 << 20

// recorder is one download's HTTP transport: it remembers every URL it
// fetched (errors from hc-install do not always name the file that
// failed), the SHA256SUMS it read and the sha256 of each archive it
// streamed (so the archive can be checked whatever hc-install reports),
// and logs the progress of large bodies.
type recorder struct {
	base http.RoundTripper
	log  *slog.Logger

	mu     sync.Mutex
	urls   []string
	bodies map[string][]byte // SHA256SUMS files read to the end, by URL
	sums   map[string][]byte // sha256 of archives read to the end, by URL
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	u := redactURL(req.URL)
	r.mu.Lock()
	r.urls = append(r.urls, u)
	r.mu.Unlock()
	r.log.Debug("engine release request", "url", u)
	resp, err := r.base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	switch {
	case resp.ContentLength > bigBody || isArchive(u):
		r.log.Info("engine download started", "url", u, "bytes", resp.ContentLength)
		now := time.Now()
		resp.Body = &progressBody{ReadCloser: resp.Body, rec: r, url: u, total: resp.ContentLength, start: now, last: now, hash: sha256.New()}
	case strings.HasSuffix(u, "_SHA256SUMS"):
		resp.Body = &teeBody{ReadCloser: resp.Body, rec: r, url: u}
	}
	return resp, nil
}

// body is the SHA256SUMS read from url, if it was read to the end.
func (r *recorder) body(url string) ([]byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.bodies[url]
	return b, ok
}

// sum is the sha256 of the archive streamed from url, if it was read to
// the end.
func (r *recorder) sum(url string) ([]byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.sums[url]
	return b, ok
}

func (r *recorder) keep(m *map[string][]byte, url string, b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if *m == nil {
		*m = map[string][]byte{}
	}
	(*m)[url] = b
}

// teeBody keeps a copy of a small body (at most maxSums) as it is read.
type teeBody struct {
	io.ReadCloser
	rec *recorder
	url string
	buf bytes.Buffer
}

func (t *teeBody) Read(b []byte) (int, error) {
	n, err := t.ReadCloser.Read(b)
	if t.buf.Len()+n <= maxSums {
		t.buf.Write(b[:n])
	}
	if err == io.EOF && t.buf.Len() < maxSums {
		t.rec.keep(&t.rec.bodies, t.url, bytes.Clone(t.buf.Bytes()))
	}
	return n, err
}

// fetched is the last URL fetched whose path ends with one of suffixes,
// or "".
func (r *recorder) fetched(suffixes ...string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.urls) - 1; i >= 0; i-- {
		for _, s := range suffixes {
			if strings.HasSuffix(r.urls[i], s) {
				return r.urls[i]
			}
		}
	}
	return ""
}

func isArchive(u string) bool { return strings.HasSuffix(u, ".zip") || strings.HasSuffix(u, ".tar.gz") }

// redactURL drops a mirror's credentials (user:password@) and the query
// from a URL before it is logged or put in an error: GitHub redirects a
// release download to a URL whose query is a short-lived signature.
func redactURL(u *url.URL) string {
	c := *u
	c.RawQuery, c.Fragment = "", ""
	return c.Redacted()
}

// redactString is redactURL for a configured base URL.
func redactString(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	return redactURL(u)
}

type progressBody struct {
	io.ReadCloser
	rec         *recorder
	hash        hash.Hash
	url         string
	total, done int64
	start, last time.Time
	ended       bool
}

func (p *progressBody) Read(b []byte) (int, error) {
	n, err := p.ReadCloser.Read(b)
	p.done += int64(n)
	p.hash.Write(b[:n])
	log := p.rec.log
	now := time.Now()
	switch {
	case err == io.EOF && !p.ended:
		p.ended = true
		p.rec.keep(&p.rec.sums, p.url, p.hash.Sum(nil))
		secs := now.Sub(p.start).Seconds()
		log.Info("engine download done", "url", p.url, "bytes", p.done, "seconds", round2(secs), "mb_per_s", round2(float64(p.done)/1e6/max(secs, 1e-3)))
	case now.Sub(p.last) >= progressEvery:
		p.last = now
		attrs := []any{"url", p.url, "bytes", p.done}
		if p.total > 0 {
			attrs = append(attrs, "total", p.total, "percent", p.done*100/p.total)
		}
		log.Info("engine download progress", attrs...)
	}
	return n, err
}

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }
