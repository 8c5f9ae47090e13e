package githubtest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/routers"
	"github.com/golang-jwt/jwt/v4"
)

// Test GitHub App identity; the server verifies JWTs signed with AppKey.
const (
	AppID          = 4242
	InstallationID = 777
)

// Server is an in-process stand-in for api.github.com and its git hosting.
// Every API request is validated against GitHub's OpenAPI description; an
// unknown route or a request the real API would reject fails the test, and
// so does an answer of the server's own that GitHub's schema would not allow.
type Server struct {
	t       testing.TB
	srv     *httptest.Server
	token   string
	appKey  *rsa.PrivateKey
	gitRoot string
	git     http.Handler

	mu       sync.Mutex
	repos    map[string]*repoState        // "owner/name"
	teams    map[string]map[string]string // "org/team" -> login -> membership state
	tokens   map[string]bool              // accepted API tokens
	nextID   int64
	faults   []fault
	requests []string

	oauthSecret string
	oauthCodes  map[string]oauthCode
	userTokens  map[string]string // OAuth token -> the user who authorized it
	oauthDone   []string
}

// NewServer starts a server that lives as long as the test. It accepts
// Token() (or an installation token minted for the test App) on every API
// and git request.
func NewServer(t testing.TB) *Server {
	t.Helper()
	key, err := appKey()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{
		t: t, token: "ghp_" + randHex(18), appKey: key, gitRoot: t.TempDir(),
		repos: map[string]*repoState{}, teams: map[string]map[string]string{}, tokens: map[string]bool{}, nextID: 1000,
		oauthSecret: randHex(20), oauthCodes: map[string]oauthCode{}, userTokens: map[string]string{},
	}
	s.tokens[s.token] = true
	s.git = gitHandler(s.gitRoot)
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	t.Cleanup(s.srv.Close)
	return s
}

var appKey = sync.OnceValues(func() (*rsa.PrivateKey, error) {
	// One App key per test binary: generating one costs ~0.1 s.
	return rsa.GenerateKey(rand.Reader, 2048)
})

// URL is the API base URL, for go-github's BaseURL.
func (s *Server) URL() string { return s.srv.URL + "/" }

// EnterpriseURL is a GitHub Enterprise Server style base (https://host),
// under which the API answers at /api/v3/.
func (s *Server) EnterpriseURL() string { return s.srv.URL }

// Token is the personal access token the server accepts.
func (s *Server) Token() string { return s.token }

// AppKey is the PEM private key of the test GitHub App (AppID).
func (s *Server) AppKey() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(s.appKey)})
}

// Requests lists every request the server saw, as "METHOD /path?query".
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.Method+" "+r.URL.RequestURI())
	s.mu.Unlock()
	if strings.Contains(r.URL.Path, ".git/") {
		s.serveGit(w, r)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/login/oauth/") && s.serveOAuth(w, r) {
		return
	}
	if r.URL.Path == "/favicon.ico" { // a browser on the authorize page asks
		http.NotFound(w, r)
		return
	}
	// GitHub Enterprise Server serves the same API under /api/v3.
	if p, ok := strings.CutPrefix(r.URL.Path, "/api/v3/"); ok {
		r = r.WithContext(context.WithValue(r.Context(), prefixKey{}, "/api/v3"))
		r.URL.Path = "/" + p
		r.URL.RawPath = ""
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "unreadable body")
		return
	}
	route, params, err := validate(r, body)
	if err != nil {
		s.t.Errorf("githubtest: %v", err)
		status := http.StatusUnprocessableEntity
		if route == nil && strings.Contains(err.Error(), "not in GitHub's REST API") {
			status = http.StatusNotFound
		}
		writeError(w, status, err.Error())
		return
	}
	c := newCapture()
	s.answer(c, r, route, params, body)
	if err := checkResponse(r, route, params, c); err != nil {
		s.t.Errorf("githubtest: %v", err)
	}
	c.flush(w)
}

// answer is the server's answer to a validated API request: refused
// credentials, an injected failure, or the operation's handler.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, route *routers.Route, params map[string]string, body []byte) {
	if !s.authorized(w, r, route.Path) {
		return
	}
	f, faulted := s.takeFault(route)
	if faulted && !f.after {
		f.write(w)
		return
	}
	h, ok := handlers[route.Method+" "+route.Path]
	if !ok {
		s.t.Errorf("githubtest: %s %s is in the description subset but has no handler", route.Method, route.Path)
		writeError(w, http.StatusNotImplemented, "no handler")
		return
	}
	if faulted {
		defer f.write(w)
		w = newCapture() // the effect happens, its answer is lost
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h(s, w, r, params, body)
}

// authorized checks the Authorization header: a JWT of the test App on the
// App's own routes, an accepted token everywhere else.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request, route string) bool {
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if route == "/app/installations/{installation_id}/access_tokens" || route == "/app" {
		if strings.EqualFold(scheme, "bearer") && s.validJWT(cred) {
			return true
		}
		writeError(w, http.StatusUnauthorized, "A JSON web token could not be decoded")
		return false
	}
	s.mu.Lock()
	ok := (strings.EqualFold(scheme, "token") || strings.EqualFold(scheme, "bearer")) && s.tokens[cred]
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusUnauthorized, "Bad credentials")
	}
	return ok
}

func (s *Server) validJWT(raw string) bool {
	tok, err := jwt.Parse(raw, func(tok *jwt.Token) (any, error) {
		if _, ok := tok.Method.(*jwt.SigningMethodRSA); !ok {
			return nil, fmt.Errorf("unexpected signing method %v", tok.Header["alg"])
		}
		return &s.appKey.PublicKey, nil
	})
	if err != nil || !tok.Valid {
		return false
	}
	claims, _ := tok.Claims.(jwt.MapClaims)
	return fmt.Sprint(claims["iss"]) == strconv.Itoa(AppID)
}

// prefixKey marks a request that came in under /api/v3, so links the
// server hands out (pagination) keep the prefix.
type prefixKey struct{}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg, "documentation_url": "https://docs.github.com/rest"})
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
