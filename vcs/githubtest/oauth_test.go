package githubtest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestOAuthWebFlow walks the flow a browser and a server make: authorize
// (the sign-in form), the redirect with code and state, the exchange, and
// GET /user with the token answering the user who signed in.
func TestOAuthWebFlow(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	app := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(app.Close)
	redirect := app.URL + "/auth/github/callback"
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	q := url.Values{"client_id": {OAuthClientID}, "redirect_uri": {redirect}, "state": {"st4te"}, "login": {"alice"}}
	resp, err := http.Get(s.WebURL() + "/login/oauth/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(t, resp)
	if resp.StatusCode != 200 || !strings.Contains(page, `value="alice"`) || !strings.Contains(page, `id="authorize"`) {
		t.Fatalf("authorize page: %d\n%s", resp.StatusCode, page)
	}
	form := url.Values{"client_id": {OAuthClientID}, "redirect_uri": {redirect}, "state": {"st4te"}, "login": {"alice"}, "authorize": {"1"}}
	resp, err = noFollow.PostForm(s.WebURL()+"/login/oauth/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || back.Query().Get("state") != "st4te" || back.Query().Get("code") == "" ||
		!strings.HasPrefix(back.String(), redirect) {
		t.Fatalf("authorize: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	code := back.Query().Get("code")

	exchange := func(secret, code string) map[string]string {
		req, _ := http.NewRequest(http.MethodPost, s.WebURL()+"/login/oauth/access_token", strings.NewReader(url.Values{
			"client_id": {OAuthClientID}, "client_secret": {secret}, "code": {code}, "redirect_uri": {redirect}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]string
		if err := json.Unmarshal([]byte(readAll(t, resp)), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := exchange("wrong", code); got["error"] != "incorrect_client_credentials" {
		t.Fatalf("wrong secret: %v", got)
	}
	tok := exchange(s.OAuthSecret(), code)
	if tok["access_token"] == "" || tok["token_type"] != "bearer" {
		t.Fatalf("exchange: %v", tok)
	}
	if got := exchange(s.OAuthSecret(), code); got["error"] != "bad_verification_code" {
		t.Fatalf("a code is good once: %v", got)
	}

	req, _ := http.NewRequest(http.MethodGet, s.URL()+"user", nil)
	req.Header.Set("Authorization", "Bearer "+tok["access_token"])
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var user struct{ Login string }
	if err := json.Unmarshal([]byte(readAll(t, resp)), &user); err != nil || user.Login != "alice" {
		t.Fatalf("GET /user: %d %+v %v", resp.StatusCode, user, err)
	}
	if got := s.OAuthLogins(); len(got) != 1 || got[0] != "alice" {
		t.Fatalf("OAuthLogins = %v", got)
	}
}

func TestOAuthRefusals(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for name, q := range map[string]url.Values{
		"unknown client": {"client_id": {"nope"}, "redirect_uri": {"http://x/cb"}},
		"bad redirect":   {"client_id": {OAuthClientID}, "redirect_uri": {"javascript:alert(1)"}},
	} {
		resp, err := http.Get(s.WebURL() + "/login/oauth/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Errorf("%s: %d, want a refusal", name, resp.StatusCode)
		}
	}
	resp, err := noFollow.PostForm(s.WebURL()+"/login/oauth/authorize", url.Values{"client_id": {OAuthClientID},
		"redirect_uri": {"http://x/cb"}, "state": {"s"}, "authorize": {"0"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); !strings.Contains(loc, "error=access_denied") || !strings.Contains(loc, "state=s") {
		t.Errorf("cancel: Location %q", loc)
	}
	resp, err = noFollow.PostForm(s.WebURL()+"/login/oauth/authorize", url.Values{"client_id": {OAuthClientID},
		"redirect_uri": {"http://x/cb"}, "login": {"-bad-"}, "authorize": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("bad login: %d", resp.StatusCode)
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
