package githubtest

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// The OAuth web flow of a GitHub OAuth app (or a GitHub App's user
// login), as github.com serves it outside the REST API: the authorize
// page a browser is sent to, its form standing in for GitHub's sign-in
// and consent, and the code-for-token exchange. A token it hands out acts
// as the user who authorized: GET /user answers that user.

// OAuthClientID is the test OAuth app's client ID; OAuthSecret gives its secret.
const OAuthClientID = "Iv1.plumbtest0000"

// OAuthSecret is the test OAuth app's client secret.
func (s *Server) OAuthSecret() string { return s.oauthSecret }

// WebURL is github.com's stand-in, where /login/oauth/ lives (the host
// root for GitHub Enterprise Server too).
func (s *Server) WebURL() string { return s.srv.URL }

// OAuthLogins lists the users who completed a login, in order.
func (s *Server) OAuthLogins() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.oauthDone...)
}

// oauthCode is an authorization code waiting to be exchanged.
type oauthCode struct {
	login, redirect string
	expires         time.Time
}

var validLogin = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9]|-[A-Za-z0-9]){0,38}$`)

var authorizePage = template.Must(template.New("authorize").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Authorize application</title></head>
<body><h1>Sign in to GitHub to continue to the app</h1>
{{if .Error}}<p id="error">{{.Error}}</p>{{end}}
<form method="post" action="/login/oauth/authorize">
<label>Username <input id="login_field" name="login" value="{{.Login}}" autocomplete="username"></label>
<input type="hidden" name="client_id" value="{{.ClientID}}">
<input type="hidden" name="redirect_uri" value="{{.Redirect}}">
<input type="hidden" name="state" value="{{.State}}">
<button type="submit" name="authorize" value="1" id="authorize">Authorize</button>
<button type="submit" name="authorize" value="0" id="cancel">Cancel</button>
</form></body></html>
`))

// serveOAuth answers /login/oauth/*; false when the path is another.
func (s *Server) serveOAuth(w http.ResponseWriter, r *http.Request) bool {
	switch {
	case r.URL.Path == "/login/oauth/authorize" && r.Method == http.MethodGet:
		q := r.URL.Query()
		if q.Get("client_id") != OAuthClientID {
			http.Error(w, "The client_id is not known (application not found)", http.StatusNotFound)
			return true
		}
		if !validRedirect(q.Get("redirect_uri")) {
			http.Error(w, "The redirect_uri is not valid for this application", http.StatusBadRequest)
			return true
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		authorizePage.Execute(w, map[string]string{"Login": q.Get("login"), "ClientID": OAuthClientID,
			"Redirect": q.Get("redirect_uri"), "State": q.Get("state")})
	case r.URL.Path == "/login/oauth/authorize" && r.Method == http.MethodPost:
		s.authorize(w, r)
	case r.URL.Path == "/login/oauth/access_token" && r.Method == http.MethodPost:
		s.accessToken(w, r)
	default:
		return false
	}
	return true
}

func validRedirect(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// authorize is the sign-in form's submission: a code for the redirect,
// or access_denied when cancelled.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("client_id") != OAuthClientID || !validRedirect(r.PostForm.Get("redirect_uri")) {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	f := r.PostForm
	back, _ := url.Parse(f.Get("redirect_uri"))
	q := back.Query()
	q.Set("state", f.Get("state"))
	if f.Get("authorize") != "1" {
		q.Set("error", "access_denied")
		back.RawQuery = q.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
		return
	}
	login := strings.TrimSpace(f.Get("login"))
	if !validLogin.MatchString(login) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusUnprocessableEntity)
		authorizePage.Execute(w, map[string]string{"Error": "Incorrect username.", "ClientID": OAuthClientID,
			"Redirect": f.Get("redirect_uri"), "State": f.Get("state")})
		return
	}
	code := randHex(10)
	s.mu.Lock()
	s.oauthCodes[code] = oauthCode{login: login, redirect: f.Get("redirect_uri"), expires: time.Now().Add(10 * time.Minute)}
	s.mu.Unlock()
	q.Set("code", code)
	back.RawQuery = q.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// accessToken trades a code for a token as GitHub does: 200 with an error
// field for a bad code or client, JSON when asked for, else a form.
func (s *Server) accessToken(w http.ResponseWriter, r *http.Request) {
	answer := func(v map[string]string) {
		if strings.Contains(r.Header.Get("Accept"), "json") {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			json.NewEncoder(w).Encode(v)
			return
		}
		form := url.Values{}
		for k, x := range v {
			form.Set(k, x)
		}
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
		w.Write([]byte(form.Encode()))
	}
	if err := r.ParseForm(); err != nil {
		answer(map[string]string{"error": "bad_request"})
		return
	}
	f := r.Form
	if f.Get("client_id") != OAuthClientID || f.Get("client_secret") != s.oauthSecret {
		answer(map[string]string{"error": "incorrect_client_credentials",
			"error_description": "The client_id and/or client_secret passed are incorrect."})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.oauthCodes[f.Get("code")]
	delete(s.oauthCodes, f.Get("code")) // a code is good once
	if !ok || time.Now().After(c.expires) || (f.Get("redirect_uri") != "" && f.Get("redirect_uri") != c.redirect) {
		answer(map[string]string{"error": "bad_verification_code",
			"error_description": "The code passed is incorrect or expired."})
		return
	}
	tok := "gho_" + randHex(18)
	s.tokens[tok] = true
	s.userTokens[tok] = c.login
	s.oauthDone = append(s.oauthDone, c.login)
	answer(map[string]string{"access_token": tok, "token_type": "bearer", "scope": ""})
}
