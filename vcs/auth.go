package vcs

import (
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v60/github"

	"github.com/plumbhq/plumb"
)

// GitHubConfig says how to reach GitHub and as whom. Set Token, or AppID,
// InstallationID and PrivateKey.
type GitHubConfig struct {
	// BaseURL is "" for github.com, or the GitHub Enterprise Server address
	// (https://ghe.example.com; /api/v3/ is added when missing).
	BaseURL string
	// Token is a personal access token (or any token GitHub takes).
	Token string
	// GitHub App: its id, the installation on the repositories, and the
	// App's private key (PEM).
	AppID          int64
	InstallationID int64
	PrivateKey     []byte
	// Redactor learns every token used, so none leaves plumb in a comment,
	// a log line or an error. Required.
	Redactor *plumb.Redactor
	// Transport is the base HTTP transport (http.DefaultTransport when nil).
	Transport http.RoundTripper
	// Login is the account plumb writes as ("name", or "slug[bot]" for an
	// App). When empty it is looked up once (GET /user or GET /app).
	Login string

	// Every API call is retried on 5xx, rate limits and network errors,
	// never on other 4xx. RetryAttempts is how many times a call is tried
	// in all (DefaultRetryAttempts when 0; 1 turns retrying off).
	RetryAttempts int
	// RetryBaseWait is the first backoff, doubled at each attempt, with
	// jitter (DefaultRetryBaseWait when 0).
	RetryBaseWait time.Duration
	// RetryMaxWait caps any one wait, a rate limit's wait for its reset
	// included (DefaultRetryMaxWait when 0).
	RetryMaxWait time.Duration
	// Logger, when set, gets a warning for each retry.
	Logger *slog.Logger
}

// credentials hands out the token for API calls and git over HTTPS.
type credentials interface {
	Token(ctx context.Context) (string, error)
}

type staticToken string

func (t staticToken) Token(context.Context) (string, error) { return string(t), nil }

// newClient builds the go-github client for cfg, and for an App the client
// that speaks as the App itself (JWT), used only to learn its login.
//
// Errors: EINVALID when cfg names no usable credentials or a bad URL or key.
func newClient(cfg GitHubConfig) (client, appClient *github.Client, creds credentials, err error) {
	if cfg.Redactor == nil {
		return nil, nil, nil, plumb.Errorf(plumb.EINVALID, "github: a redactor is required")
	}
	base := cfg.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	// Beneath everything, App token minting included, so every call GitHub
	// answers with a 5xx or a rate limit is tried again.
	base = &retryTransport{base: base, retryPolicy: retryPolicyOf(cfg)}
	var hc *http.Client
	switch {
	case cfg.Token != "" && cfg.AppID != 0:
		return nil, nil, nil, plumb.Errorf(plumb.EINVALID, "github: set a token or a GitHub App, not both")
	case cfg.Token != "":
		cfg.Redactor.Add(cfg.Token)
		creds = staticToken(cfg.Token)
		hc = &http.Client{Transport: base}
	case cfg.AppID != 0:
		if cfg.InstallationID == 0 || len(cfg.PrivateKey) == 0 {
			return nil, nil, nil, plumb.Errorf(plumb.EINVALID, "github app %d: installation id and private key are required", cfg.AppID)
		}
		// The key is a secret like a token: no comment or log may hold it.
		cfg.Redactor.Add(strings.TrimSpace(string(cfg.PrivateKey)))
		itr, err := ghinstallation.New(base, cfg.AppID, cfg.InstallationID, cfg.PrivateKey)
		if err != nil {
			// The key's bytes are not in this error: ghinstallation reports
			// only that it could not parse it.
			return nil, nil, nil, plumb.Errorf(plumb.EINVALID, "github app %d: private key: %w", cfg.AppID, err)
		}
		if cfg.BaseURL != "" {
			itr.BaseURL = strings.TrimRight(enterpriseAPI(cfg.BaseURL), "/")
		}
		app := &appToken{itr: itr, redact: cfg.Redactor}
		creds = app
		hc = &http.Client{Transport: &redactingTransport{app: app}}
		atr, err := ghinstallation.NewAppsTransport(base, cfg.AppID, cfg.PrivateKey)
		if err != nil {
			return nil, nil, nil, plumb.Errorf(plumb.EINVALID, "github app %d: private key: %w", cfg.AppID, err)
		}
		appClient = github.NewClient(&http.Client{Transport: atr})
	default:
		return nil, nil, nil, plumb.Errorf(plumb.EINVALID, "github: no credentials: set a token or a GitHub App")
	}
	client = github.NewClient(hc)
	if cfg.Token != "" {
		client = client.WithAuthToken(cfg.Token)
	}
	if cfg.BaseURL != "" {
		u, err := url.Parse(cfg.BaseURL)
		if err != nil || u.Host == "" {
			return nil, nil, nil, plumb.Errorf(plumb.EINVALID, "github: base url %q is not an absolute URL", cfg.BaseURL)
		}
		if client, err = client.WithEnterpriseURLs(cfg.BaseURL, cfg.BaseURL); err != nil {
			return nil, nil, nil, plumb.Errorf(plumb.EINVALID, "github: base url: %w", err)
		}
		if appClient != nil {
			if appClient, err = appClient.WithEnterpriseURLs(cfg.BaseURL, cfg.BaseURL); err != nil {
				return nil, nil, nil, plumb.Errorf(plumb.EINVALID, "github: base url: %w", err)
			}
		}
	}
	return client, appClient, creds, nil
}

// login is the account plumb's comments are written by, looked up once:
// only those comments are plumb's, whatever marker others paste.
func (g *GitHub) login(ctx context.Context) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.self != "" {
		return g.self, nil
	}
	if g.app != nil {
		app, _, err := g.app.Apps.Get(ctx, "")
		if err := g.fail(err, "look up the github app"); err != nil {
			return "", err
		}
		g.self = app.GetSlug() + "[bot]"
		return g.self, nil
	}
	u, _, err := g.client.Users.Get(ctx, "")
	if err := g.fail(err, "look up the token's user"); err != nil {
		return "", err
	}
	g.self = u.GetLogin()
	return g.self, nil
}

// enterpriseAPI is the API root of a GitHub Enterprise Server address, as
// go-github's WithEnterpriseURLs computes it.
func enterpriseAPI(base string) string {
	base = strings.TrimRight(base, "/") + "/"
	if !strings.HasSuffix(base, "/api/v3/") && !strings.HasPrefix(base, "https://api.") && !strings.Contains(base, ".api.") {
		base += "api/v3/"
	}
	return base
}

// appToken is a GitHub App installation token, minted and refreshed by
// ghinstallation; each new token is taught to the redactor.
type appToken struct {
	itr    *ghinstallation.Transport
	redact *plumb.Redactor
	mu     sync.Mutex
	last   string
}

func (a *appToken) Token(ctx context.Context) (string, error) {
	tok, err := a.itr.Token(ctx)
	if err != nil {
		return "", plumb.Errorf(plumb.EUNAUTHORIZED, "github app: installation token: %s", a.redact.String(err.Error()))
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if tok != a.last {
		a.redact.Add(tok)
		a.last = tok
	}
	return tok, nil
}

// redactingTransport makes sure the installation token is known to the
// redactor before any request that carries it.
type redactingTransport struct{ app *appToken }

func (t *redactingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	_, _ = t.app.Token(req.Context()) // on error, RoundTrip reports its own
	return t.app.itr.RoundTrip(req)
}

// GitCredentials is the user name and password for git over HTTPS as
// GitHub takes them (x-access-token and the token), for go-git's
// transport/http.BasicAuth. The token travels in the Authorization header,
// never in the clone URL.
func (g *GitHub) GitCredentials(ctx context.Context) (username, password string, err error) {
	tok, err := g.creds.Token(ctx)
	if err != nil {
		return "", "", err
	}
	return "x-access-token", tok, nil
}

// GitHeader is the same credentials as an HTTP header, for the git CLI
// (git -c http.extraHeader="Authorization: ...") or any other client.
func (g *GitHub) GitHeader(ctx context.Context) (http.Header, error) {
	user, pass, err := g.GitCredentials(ctx)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
	return h, nil
}

// fail turns a go-github error into a plumb error whose message has been
// redacted, coded by what the caller should do about it.
func (g *GitHub) fail(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	code := plumb.EINTERNAL
	var rl *github.RateLimitError
	var abuse *github.AbuseRateLimitError
	var er *github.ErrorResponse
	switch {
	case errors.As(err, &rl), errors.As(err, &abuse):
		// Still limited after the transport's retries: the queue's
		// backoff is the right tool now.
	case errors.As(err, &er) && er.Response != nil:
		switch er.Response.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			code = plumb.EUNAUTHORIZED
		case http.StatusNotFound, http.StatusGone: // 410: a deleted issue
			code = plumb.ENOTFOUND
		case http.StatusUnprocessableEntity, http.StatusBadRequest:
			code = plumb.EINVALID
		}
	}
	action := plumb.Errorf(code, format, args...).Message
	return &plumb.Error{Code: code, Message: g.redact.String(action + ": " + err.Error()), Err: err}
}

func splitRepo(repo string) (owner, name string, err error) {
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return "", "", plumb.Errorf(plumb.EINVALID, "repository %q is not owner/name", repo)
	}
	return owner, name, nil
}
