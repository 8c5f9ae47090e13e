package engine

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
)

// httpGetter makes one release's requests, through a recorder.
type httpGetter struct {
	client *http.Client
	rec    *recorder
}

// newGetter copies client (nil: the default, which honours HTTPS_PROXY
// and NO_PROXY) with a recorder around its transport.
func newGetter(client *http.Client, log *slog.Logger) *httpGetter {
	var c http.Client
	base := http.DefaultTransport
	if client != nil {
		c = *client
		if client.Transport != nil {
			base = client.Transport
		}
	}
	rec := &recorder{base: base, log: log}
	c.Transport = rec
	return &httpGetter{client: &c, rec: rec}
}

// statusError is an answer other than 200 OK.
type statusError struct {
	url    string
	code   int
	status string
}

func (e *statusError) Error() string { return fmt.Sprintf("GET %s: %s", e.url, e.status) }

func (h *httpGetter) get(ctx context.Context, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, &statusError{url: redactString(url), code: resp.StatusCode, status: resp.Status}
	}
	return resp, nil
}

// small reads a small file (an index, checksums, a signature), at most
// limit bytes: a mirror answering with something huge is refused, not
// held in memory.
func (h *httpGetter) small(ctx context.Context, url string, limit int64) ([]byte, error) {
	resp, err := h.get(ctx, url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("GET %s: %w (over %d bytes)", redactString(url), errTooLarge, limit)
	}
	return b, nil
}

// toFile downloads url into a new file at path and returns its sha256,
// hashed as it streams, so a 100 MB archive is read from the network once
// and never from disk before it is checked.
func (h *httpGetter) toFile(ctx context.Context, url, path string) ([]byte, error) {
	resp, err := h.get(ctx, url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	sum := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, sum), resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && resp.ContentLength >= 0 && n != resp.ContentLength {
		err = fmt.Errorf("got %d of %d bytes", n, resp.ContentLength)
	}
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", redactString(url), err)
	}
	return sum.Sum(nil), nil
}
