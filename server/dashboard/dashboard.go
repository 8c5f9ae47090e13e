package dashboard

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/plumbhq/plumb"
)

// Permissions says what a GitHub user may do on a repository: admin,
// maintain, write, triage, read or none (plumb.Forge does).
type Permissions interface {
	Permission(ctx context.Context, repo, login string) (string, error)
}

// Config configures the dashboard. Store is required; without ClientID
// nobody can log in (the API still takes AdminToken).
type Config struct {
	Store plumb.Store
	// Layout lists the repositories plumb knows with their projects; nil:
	// the estate is made of what the store holds, without environments.
	Layout      func(ctx context.Context) ([]plumb.RepoLayout, error)
	Permissions Permissions
	// GitHub's web (https://github.com, or GitHub Enterprise's host) and
	// API (https://api.github.com/, or host/api/v3/) base URLs.
	WebURL, APIURL         string
	ClientID, ClientSecret string
	// SessionKey signs session cookies and CSRF tokens (32 bytes or more).
	SessionKey []byte
	// AdminToken, when set, is accepted as Authorization: Bearer on every
	// route: it sees every repository and may release locks.
	AdminToken string
	// SecureCookies marks cookies Secure (serve behind TLS).
	SecureCookies bool
	// Released is told of a lock released from the dashboard, so waiters
	// wake up.
	Released func(ctx context.Context, l plumb.Lock)
	// Redact masks known secrets in everything shown; the store's
	// records are already redacted, this is a second guard.
	Redact     func(string) string
	HTTPClient *http.Client
	Logger     *slog.Logger
	Now        func() time.Time
	// PollInterval is how often a live log reads the store (default 500 ms).
	PollInterval time.Duration
}

// Dashboard serves the pages and the API.
type Dashboard struct {
	cfg   Config
	mux   *http.ServeMux
	pages *pages
	perms *permCache
}

//go:embed static templates
var assets embed.FS

// New checks cfg and returns the dashboard.
func New(cfg Config) (*Dashboard, error) {
	if cfg.Store == nil {
		return nil, errors.New("dashboard: Config needs a Store")
	}
	if len(cfg.SessionKey) < 32 {
		return nil, plumb.Errorf(plumb.EINVALID, "dashboard: the session key must have at least 32 bytes, it has %d", len(cfg.SessionKey))
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Redact == nil {
		cfg.Redact = func(s string) string { return s }
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 500 * time.Millisecond
	}
	cfg.WebURL = strings.TrimRight(defaultTo(cfg.WebURL, "https://github.com"), "/")
	cfg.APIURL = strings.TrimRight(defaultTo(cfg.APIURL, "https://api.github.com"), "/") + "/"
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	d := &Dashboard{cfg: cfg, mux: http.NewServeMux(), pages: p,
		perms: &permCache{src: cfg.Permissions, ttl: time.Minute, now: cfg.Now, m: map[string]permEntry{}}}
	d.routes()
	return d, nil
}

func defaultTo(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// LoadKey reads a session key file, writing a random one (0600) first
// when there is none, so sessions outlive a restart.
func LoadKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		k := make([]byte, 32)
		rand.Read(k)
		b = []byte(hex.EncodeToString(k))
		err = os.WriteFile(path, b, 0o600)
	}
	if err != nil {
		return nil, plumb.Errorf(plumb.EINVALID, "session key %s: %w", path, err)
	}
	if len(b) < 32 {
		return nil, plumb.Errorf(plumb.EINVALID, "session key %s: want at least 32 bytes, it has %d", path, len(b))
	}
	return b, nil
}

func (d *Dashboard) routes() {
	static, _ := fs.Sub(assets, "static")
	d.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	d.mux.HandleFunc("GET /login", d.loginPage)
	d.mux.HandleFunc("GET /auth/github", d.authStart)
	d.mux.HandleFunc("GET /auth/github/callback", d.authCallback)
	d.mux.Handle("POST /logout", d.page(d.logout))

	d.mux.Handle("GET /{$}", d.page(d.estatePage))
	d.mux.Handle("GET /projects/{owner}/{repo}/{project}", d.page(d.projectPage))
	d.mux.Handle("GET /runs/{id}", d.page(d.runPage))
	d.mux.Handle("GET /runs/{id}/log", d.page(d.runLogStream))
	d.mux.Handle("GET /locks", d.page(d.locksPage))
	d.mux.Handle("GET /locks/{id}/release", d.page(d.releaseConfirm))
	d.mux.Handle("POST /locks/{id}/release", d.page(d.releasePost))
	d.mux.Handle("GET /drift", d.page(d.driftPage))
	d.mux.Handle("GET /audit", d.page(d.auditPage))
	d.mux.Handle("GET /audit.csv", d.page(d.auditCSV))
	d.mux.Handle("GET /audit.json", d.page(d.apiAudit))

	d.mux.Handle("GET /api/v1/runs", d.api(d.apiRuns))
	d.mux.Handle("GET /api/v1/runs/{id}", d.api(d.apiRun))
	d.mux.Handle("GET /api/v1/projects", d.api(d.apiProjects))
	d.mux.Handle("GET /api/v1/locks", d.api(d.apiLocks))
	d.mux.Handle("DELETE /api/v1/locks/{id}", d.api(d.apiRelease))
	d.mux.Handle("GET /api/v1/drift", d.api(d.apiDrift))
	d.mux.Handle("GET /api/v1/audit", d.api(d.apiAudit))
	d.mux.Handle("/api/", d.api(func(w http.ResponseWriter, r *http.Request) error {
		return plumb.Errorf(plumb.ENOTFOUND, "no such API route: %s %s", r.Method, r.URL.Path)
	}))
}

// ServeHTTP serves every dashboard route.
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self' "+d.cfg.WebURL)
	d.mux.ServeHTTP(w, r)
}

// RequireLogin wraps h (e.g. /metrics) so that it answers only a logged
// in user or the admin token; others get 401.
func (d *Dashboard) RequireLogin(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := d.viewerOf(r); !ok {
			http.Error(w, "login required", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// permCache keeps what GitHub said of a user and repo for a while, so a
// page does not ask once per row.
type permCache struct {
	src Permissions
	ttl time.Duration
	now func() time.Time
	mu  sync.Mutex
	m   map[string]permEntry
}

type permEntry struct {
	perm string
	at   time.Time
}

func (c *permCache) get(ctx context.Context, repo, login string) (string, error) {
	if c.src == nil {
		return "none", nil
	}
	key := login + "\x00" + repo
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && c.now().Sub(e.at) < c.ttl {
		return e.perm, nil
	}
	perm, err := c.src.Permission(ctx, repo, login)
	if err != nil {
		return "none", err
	}
	c.mu.Lock()
	c.m[key] = permEntry{perm, c.now()}
	c.mu.Unlock()
	return perm, nil
}

func canRead(perm string) bool { return perm != "" && perm != "none" }

func canWrite(perm string) bool { return perm == "admin" || perm == "maintain" || perm == "write" }
