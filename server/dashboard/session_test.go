package dashboard

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func testDashboard(now time.Time) *Dashboard {
	return &Dashboard{cfg: Config{SessionKey: []byte(strings.Repeat("k", 32)), AdminToken: "adm1n-token",
		Now: func() time.Time { return now }}}
}

func TestSessions(t *testing.T) {
	t.Parallel()
	d := testDashboard(now)
	rec := httptest.NewRecorder()
	d.startSession(rec, "alice")
	cookie := rec.Result().Cookies()[0]
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Name != sessionCookie {
		t.Fatalf("cookie %+v", cookie)
	}
	req := func(value string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: value})
		return r
	}
	v, ok := d.viewerOf(req(cookie.Value))
	if !ok || v.Login != "alice" || v.Admin || v.csrf == "" {
		t.Fatalf("viewer %+v, %v", v, ok)
	}
	payload, sig, _ := strings.Cut(cookie.Value, ".")
	forged := d.sign("session", session{Login: "mallory", Expires: now.Add(time.Hour).Unix()})
	for name, value := range map[string]string{
		"tampered payload": strings.ToUpper(payload[:1]) + payload[1:] + "." + sig,
		"other signature":  payload + "." + strings.Split(forged, ".")[1],
		"oauth-signed":     d.sign("oauth", session{Login: "mallory", Expires: now.Add(time.Hour).Unix()}),
		"other key":        (&Dashboard{cfg: Config{SessionKey: []byte(strings.Repeat("x", 32))}}).sign("session", session{Login: "alice", Expires: now.Add(time.Hour).Unix()}),
		"no signature":     payload,
		"garbage":          "!!.!!",
	} {
		if v, ok := d.viewerOf(req(value)); ok {
			t.Errorf("%s: accepted as %q", name, v.Login)
		}
	}
	if _, ok := testDashboard(now.Add(sessionTTL + time.Second)).viewerOf(req(cookie.Value)); ok {
		t.Error("an expired session is accepted")
	}

	admin := httptest.NewRequest(http.MethodGet, "/api/v1/runs", nil)
	admin.Header.Set("Authorization", "Bearer adm1n-token")
	if v, ok := d.viewerOf(admin); !ok || !v.Admin {
		t.Errorf("admin token: %+v %v", v, ok)
	}
	admin.Header.Set("Authorization", "Bearer adm1n-tokem")
	admin.AddCookie(cookie)
	if _, ok := d.viewerOf(admin); ok {
		t.Error("a wrong admin token is accepted (a cookie does not rescue it)")
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	d := testDashboard(now)
	rec := httptest.NewRecorder()
	d.startSession(rec, "alice")
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(rec.Result().Cookies()[0])
	v, _ := d.viewerOf(r)
	post := func(token string) *http.Request {
		return httptest.NewRequest(http.MethodPost, "/locks/x/release", strings.NewReader("csrf="+token))
	}
	for _, tc := range []struct {
		token string
		ok    bool
	}{{v.csrf, true}, {"", false}, {v.csrf + "x", false}, {"AAAA", false}} {
		r := post(tc.token)
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if got := checkCSRF(v, r); got != tc.ok {
			t.Errorf("token %q: %v, want %v", tc.token, got, tc.ok)
		}
	}
	// Another session of the same user has another token.
	rec2 := httptest.NewRecorder()
	d.startSession(rec2, "alice")
	r2 := httptest.NewRequest(http.MethodGet, "/", nil)
	r2.AddCookie(rec2.Result().Cookies()[0])
	if v2, _ := d.viewerOf(r2); v2.csrf == v.csrf {
		t.Error("two sessions share a CSRF token")
	}
}

func TestSafeNext(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/locks": "/locks", "/runs/x?y=1": "/runs/x?y=1", "": "/", "https://evil.example": "/",
		"//evil.example": "/", "/\\evil.example": "/", "/a\r\nSet-Cookie: x": "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
