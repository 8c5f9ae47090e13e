package dashboard

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/plumbhq/plumb"
)

// loginPage offers the GitHub login; it is the one page open to all.
func (d *Dashboard) loginPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if _, ok := d.viewerOf(r); ok {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	d.render(w, r, http.StatusOK, "login", map[string]any{
		"Next": next, "Configured": d.cfg.ClientID != "", "Error": r.URL.Query().Get("error"),
	})
}

// authStart sends the browser to GitHub's authorize page with a state
// bound to this browser by a signed cookie.
func (d *Dashboard) authStart(w http.ResponseWriter, r *http.Request) {
	if d.cfg.ClientID == "" {
		d.pageError(w, r, plumb.Errorf(plumb.EINVALID, "GitHub login is not configured: start plumb serve with --github-client-id and --github-client-secret"))
		return
	}
	st := oauthState{State: randomText(), Next: safeNext(r.URL.Query().Get("next")), Expires: d.cfg.Now().Add(stateTTL).Unix()}
	d.setCookie(w, stateCookie, d.sign("oauth", st), stateTTL)
	q := url.Values{"client_id": {d.cfg.ClientID}, "redirect_uri": {d.callbackURL(r)}, "state": {st.State}}
	http.Redirect(w, r, d.cfg.WebURL+"/login/oauth/authorize?"+q.Encode(), http.StatusFound)
}

func (d *Dashboard) callbackURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || d.cfg.SecureCookies {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/auth/github/callback"
}

// authCallback checks the state, trades the code for a token, asks GitHub
// who it belongs to and starts a session. The token is not kept.
func (d *Dashboard) authCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var st oauthState
	c, err := r.Cookie(stateCookie)
	if err != nil || !d.verify("oauth", c.Value, &st) || d.cfg.Now().Unix() >= st.Expires ||
		subtle.ConstantTimeCompare([]byte(st.State), []byte(q.Get("state"))) != 1 {
		d.pageError(w, r, plumb.Errorf(plumb.EUNAUTHORIZED, "login: the state does not match this browser's login; start again"))
		return
	}
	d.clearCookie(w, stateCookie)
	if e := q.Get("error"); e != "" {
		d.pageError(w, r, plumb.Errorf(plumb.EUNAUTHORIZED, "login: GitHub said %s", e))
		return
	}
	if q.Get("code") == "" {
		d.pageError(w, r, plumb.Errorf(plumb.EINVALID, "login: GitHub sent no code"))
		return
	}
	login, err := d.exchange(r.Context(), q.Get("code"), d.callbackURL(r))
	if err != nil {
		d.cfg.Logger.Warn("login failed", "error", err)
		d.pageError(w, r, plumb.Errorf(plumb.EUNAUTHORIZED, "login: GitHub did not confirm who you are; try again"))
		return
	}
	d.startSession(w, login)
	d.cfg.Logger.Info("login", "user", login)
	http.Redirect(w, r, st.Next, http.StatusSeeOther)
}

// exchange trades an OAuth code for a token and returns its user's login.
func (d *Dashboard) exchange(ctx context.Context, code, redirect string) (string, error) {
	form := url.Values{"client_id": {d.cfg.ClientID}, "client_secret": {d.cfg.ClientSecret}, "code": {code},
		"redirect_uri": {redirect}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.cfg.WebURL+"/login/oauth/access_token",
		strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	var tok struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
	}
	if err := d.doJSON(req, &tok); err != nil {
		return "", fmt.Errorf("access token: %w", err)
	}
	if tok.AccessToken == "" {
		return "", fmt.Errorf("access token: %q", tok.Error)
	}
	req, err = http.NewRequestWithContext(ctx, http.MethodGet, d.cfg.APIURL+"user", nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Accept", "application/vnd.github+json")
	var user struct {
		Login string `json:"login"`
	}
	if err := d.doJSON(req, &user); err != nil {
		return "", fmt.Errorf("GET /user: %w", err)
	}
	if user.Login == "" {
		return "", fmt.Errorf("GET /user: no login")
	}
	return user.Login, nil
}

func (d *Dashboard) doJSON(req *http.Request, v any) error {
	resp, err := d.cfg.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return json.Unmarshal(body, v)
}

func (d *Dashboard) logout(w http.ResponseWriter, r *http.Request) error {
	if !checkCSRF(viewerFrom(r.Context()), r) {
		return plumb.Errorf(plumb.EUNAUTHORIZED, "the form's CSRF token is missing or stale: reload the page and try again")
	}
	d.clearCookie(w, sessionCookie)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// page wraps a page handler: no session redirects to the login page; an
// error is shown as a page with its HTTP status.
func (d *Dashboard) page(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := d.viewerOf(r)
		if !ok {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), viewerKey{}, v))
		if err := h(w, r); err != nil {
			d.pageError(w, r, err)
		}
	})
}

// api wraps an API handler: no credentials is 401; errors are JSON.
func (d *Dashboard) api(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := d.viewerOf(r)
		if !ok {
			d.apiError(w, plumb.Errorf(plumb.EUNAUTHORIZED, "login required: a session cookie or Authorization: Bearer <admin token>"))
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), viewerKey{}, v))
		if err := h(w, r); err != nil {
			d.apiError(w, err)
		}
	})
}

// status is an error's HTTP status and what may be shown of it: the
// message of a plumb.Error, never an internal cause.
func (d *Dashboard) status(err error) (int, string) {
	var f forbidden
	if errors.As(err, &f) {
		return http.StatusForbidden, d.cfg.Redact(f.msg)
	}
	status := map[string]int{plumb.EINVALID: http.StatusBadRequest, plumb.EUNAUTHORIZED: http.StatusUnauthorized,
		plumb.ECONFLICT: http.StatusConflict, plumb.ENOTFOUND: http.StatusNotFound}[plumb.ErrorCode(err)]
	if status == 0 {
		d.cfg.Logger.Error("dashboard", "error", err)
		return http.StatusInternalServerError, "internal error (see the server log)"
	}
	return status, d.cfg.Redact(plumb.ErrorMessage(err))
}

// forbidden is a logged-in user asking for what their GitHub permission
// does not allow (403; plumb's codes have no such one).
type forbidden struct{ msg string }

func (f forbidden) Error() string { return f.msg }

func (d *Dashboard) apiError(w http.ResponseWriter, err error) {
	code, msg := d.status(err)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	WriteJSON(w, map[string]string{"format_version": FormatVersion, "error": msg})
}

func (d *Dashboard) pageError(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := d.status(err)
	d.render(w, r, code, "error", map[string]any{"Status": code, "Message": msg})
}
