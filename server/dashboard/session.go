package dashboard

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

const (
	sessionCookie = "plumb_session"
	stateCookie   = "plumb_oauth"
	sessionTTL    = 12 * time.Hour
	stateTTL      = 10 * time.Minute
)

// session is what the signed session cookie holds: who, until when, and
// the nonce CSRF tokens are derived from.
type session struct {
	Login   string `json:"l"`
	Expires int64  `json:"e"`
	Nonce   string `json:"n"`
}

// oauthState is the signed cookie of a login under way.
type oauthState struct {
	State   string `json:"s"`
	Next    string `json:"n"`
	Expires int64  `json:"e"`
}

// viewer is who asks: a GitHub user, or the admin token.
type viewer struct {
	Login string
	Admin bool
	csrf  string
}

type viewerKey struct{}

func viewerFrom(ctx context.Context) viewer {
	v, _ := ctx.Value(viewerKey{}).(viewer)
	return v
}

// sign makes payload.mac of v with purpose bound in, so one cookie cannot
// stand in for another.
func (d *Dashboard) sign(purpose string, v any) string {
	b, _ := json.Marshal(v)
	p := base64.RawURLEncoding.EncodeToString(b)
	return p + "." + base64.RawURLEncoding.EncodeToString(d.mac(purpose, p))
}

func (d *Dashboard) mac(purpose, payload string) []byte {
	m := hmac.New(sha256.New, d.cfg.SessionKey)
	m.Write([]byte(purpose + "\x00" + payload))
	return m.Sum(nil)
}

// verify reads a signed value into v; false for anything tampered with.
func (d *Dashboard) verify(purpose, s string, v any) bool {
	p, sig, ok := strings.Cut(s, ".")
	if !ok {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, d.mac(purpose, p)) {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(p)
	return err == nil && json.Unmarshal(b, v) == nil
}

func (d *Dashboard) setCookie(w http.ResponseWriter, name, value string, ttl time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: int(ttl.Seconds()),
		HttpOnly: true, Secure: d.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
}

func (d *Dashboard) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: d.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
}

// startSession logs login in.
func (d *Dashboard) startSession(w http.ResponseWriter, login string) {
	s := session{Login: login, Expires: d.cfg.Now().Add(sessionTTL).Unix(), Nonce: randomText()}
	d.setCookie(w, sessionCookie, d.sign("session", s), sessionTTL)
}

// viewerOf is who r comes from: the admin token, or a valid session.
func (d *Dashboard) viewerOf(r *http.Request) (viewer, bool) {
	if d.cfg.AdminToken != "" {
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			if subtle.ConstantTimeCompare([]byte(tok), []byte(d.cfg.AdminToken)) == 1 {
				return viewer{Login: "admin", Admin: true}, true
			}
			return viewer{}, false
		}
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return viewer{}, false
	}
	var s session
	if !d.verify("session", c.Value, &s) || s.Login == "" || d.cfg.Now().Unix() >= s.Expires {
		return viewer{}, false
	}
	return viewer{Login: s.Login, csrf: base64.RawURLEncoding.EncodeToString(d.mac("csrf", s.Nonce))}, true
}

// checkCSRF accepts a form post carrying the session's token; the admin
// token (a header, never sent by a browser on its own) needs none.
func checkCSRF(v viewer, r *http.Request) bool {
	if v.Admin {
		return true
	}
	got := r.PostFormValue("csrf")
	return v.csrf != "" && subtle.ConstantTimeCompare([]byte(got), []byte(v.csrf)) == 1
}

func randomText() string {
	b := make([]byte, 18)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// safeNext keeps a post-login destination on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}
