package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/server/dashboard"
)

// DefaultMaxBody is GitHub's own cap on a webhook payload.
const DefaultMaxBody = 25 << 20

// Parser verifies and parses one webhook delivery.
//
// Errors: EUNAUTHORIZED for a missing or bad signature (401), EINVALID for
// a malformed delivery (400). A delivery plumb does not act on is not an
// error: the Event comes back with Ignored set (200, not stored).
type Parser interface {
	Parse(h http.Header, body []byte) (plumb.Event, error)
}

// Config configures the handler.
type Config struct {
	Parser Parser
	Sink   plumb.EventSink
	// Ready reports whether the store and the queue are usable (/readyz).
	Ready func(ctx context.Context) error
	// ReadyChecks are parts /readyz checks besides Ready, each named in
	// its answer when it fails (the store, the queue, the artifacts).
	ReadyChecks []ReadyCheck
	Metrics     *Metrics
	Logger      *slog.Logger
	// MaxBody caps a delivery's body in bytes (default DefaultMaxBody).
	MaxBody int64
	// RepoAllowlist holds owner/name globs (path.Match, case-insensitive);
	// empty means every repository.
	RepoAllowlist []string
	// Dashboard, when set, serves / and /api/v1/ behind its login.
	Dashboard *dashboard.Dashboard
	// MetricsAuth puts /metrics behind the dashboard's login too.
	MetricsAuth bool
}

// New returns the HTTP handler for plumb serve.
//
// Errors: EINVALID for a malformed allowlist glob.
func New(cfg Config) (http.Handler, error) {
	if cfg.Parser == nil || cfg.Sink == nil {
		return nil, errors.New("server: Config needs Parser and Sink")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(MetricsConfig{})
	}
	if cfg.Ready == nil {
		cfg.Ready = func(context.Context) error { return nil }
	}
	allow, err := newAllowlist(cfg.RepoAllowlist)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("POST /events", &events{cfg: cfg, allow: allow})
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", readyz(cfg.Ready, cfg.ReadyChecks, cfg.Logger))
	var metrics http.Handler = promhttp.HandlerFor(cfg.Metrics.registry, promhttp.HandlerOpts{ErrorLog: slogErrorLog{cfg.Logger}})
	if cfg.MetricsAuth {
		if cfg.Dashboard == nil {
			return nil, plumb.Errorf(plumb.EINVALID, "metrics auth needs the dashboard's login")
		}
		metrics = cfg.Dashboard.RequireLogin(metrics)
	}
	mux.Handle("GET /metrics", metrics)
	if cfg.Dashboard != nil {
		mux.Handle("/", cfg.Dashboard)
	} else {
		mux.HandleFunc("GET /{$}", index)
	}
	return mux, nil
}

// allowlist matches owner/name against globs; nil allows everything.
type allowlist []string

func newAllowlist(globs []string) (allowlist, error) {
	var a allowlist
	for _, g := range globs {
		g = strings.ToLower(strings.TrimSpace(g))
		if g == "" {
			continue
		}
		if g == "*" {
			return nil, nil // a bare * would not match the slash in owner/name
		}
		if _, err := path.Match(g, ""); err != nil {
			return nil, plumb.Errorf(plumb.EINVALID, "repo allowlist: glob %q: %w", g, err)
		}
		a = append(a, g)
	}
	return a, nil
}

func (a allowlist) allows(repo string) bool {
	if a == nil {
		return true
	}
	repo = strings.ToLower(repo)
	for _, g := range a {
		if ok, _ := path.Match(g, repo); ok {
			return true
		}
	}
	return false
}

// reply writes a short JSON answer. Nothing from the request is echoed but
// the delivery ID, and only once the signature has been checked.
func reply(w http.ResponseWriter, code int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(body)
}

func index(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("plumb: POST /events, GET /healthz, /readyz, /metrics\n"))
}

// slogErrorLog lets promhttp report scrape errors through slog.
type slogErrorLog struct{ log *slog.Logger }

func (l slogErrorLog) Println(v ...any) {
	l.log.Error("metrics: scrape", "error", fmt.Sprint(v...))
}
