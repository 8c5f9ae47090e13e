package main

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/jobs"
	"github.com/plumbhq/plumb/server/dashboard"
)

// dashConfig is serve's dashboard and login: part of serveConfig.
type dashConfig struct {
	ClientID, ClientSecret string
	SessionKey             string
	AdminToken             string
	MetricsAuth            bool
	SecureCookies          bool
}

func (c *dashConfig) flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.ClientID, "github-client-id", "", "client ID of the GitHub OAuth app (or GitHub App) users log in to the dashboard with")
	fs.StringVar(&c.ClientSecret, "github-client-secret", "", "its client secret")
	fs.StringVar(&c.SessionKey, "session-key", "", "key signing dashboard sessions (default: one generated into the data dir, session.key)")
	fs.StringVar(&c.AdminToken, "admin-token", "", "token for the API as Authorization: Bearer (sees every repository)")
	fs.BoolVar(&c.MetricsAuth, "metrics-auth", false, "put /metrics behind the dashboard's login (or the admin token)")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", false, "mark cookies Secure and log in over https (serve behind TLS)")
}

// dashboard builds serve's dashboard on st; repos are the repositories
// the estate shows (nil without GitHub: the store's alone).
func (m *Main) dashboard(c serveConfig, st plumb.Store, dir string, env *jobs.Env,
	repos func(context.Context) ([]plumb.Repository, error)) (*dashboard.Dashboard, error) {
	d := c.Dash
	m.Redactor.Add(d.ClientSecret, d.AdminToken, d.SessionKey)
	key, err := sessionKey(d.SessionKey, dir)
	if err != nil {
		return nil, err
	}
	cfg := dashboard.Config{
		Store: st, ClientID: d.ClientID, ClientSecret: d.ClientSecret, SessionKey: key, AdminToken: d.AdminToken,
		SecureCookies: d.SecureCookies, Redact: m.Redactor.String, Logger: m.Logger,
	}
	if base := strings.TrimRight(c.GitHubURL, "/"); base != "" { // GitHub Enterprise Server
		cfg.WebURL, cfg.APIURL = base, base+"/api/v3/"
	}
	if env != nil {
		cfg.Permissions = env.Forge
		cfg.Layout = jobs.Layouts(env.Git, repos)
		cfg.Released = func(ctx context.Context, l plumb.Lock) { env.Released(ctx, l.Key) }
	}
	return dashboard.New(cfg)
}

// sessionKey is --session-key, else the data dir's session.key.
func sessionKey(flag, dir string) ([]byte, error) {
	if flag == "" {
		return dashboard.LoadKey(filepath.Join(dir, "session.key"))
	}
	if len(flag) < 32 {
		return nil, plumb.Errorf(plumb.EINVALID, "serve: --session-key: want at least 32 characters, got %d", len(flag))
	}
	return []byte(flag), nil
}
