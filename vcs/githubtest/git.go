package githubtest

import (
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gitHandler serves the bare repositories under root over git's smart HTTP
// protocol with the real git http-backend, run as a CGI program.
func gitHandler(root string) http.Handler {
	backend := "git-http-backend"
	if out, err := exec.Command("git", "--exec-path").Output(); err == nil {
		backend = filepath.Join(strings.TrimSpace(string(out)), "git-http-backend")
	}
	return &cgi.Handler{
		Path: backend,
		Env:  []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"},
	}
}

// serveGit requires the same credentials GitHub does for a private repo:
// HTTP basic auth whose password is an accepted token (any user name).
func (s *Server) serveGit(w http.ResponseWriter, r *http.Request) {
	_, pass, ok := r.BasicAuth()
	s.mu.Lock()
	ok = ok && s.tokens[pass]
	s.mu.Unlock()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="GitHub"`)
		http.Error(w, "authentication required", http.StatusUnauthorized)
		return
	}
	s.git.ServeHTTP(w, r)
}

// InitRepo creates the bare repository owner/name.git the server hosts and
// returns its directory, for a test to push into (git push DIR main).
func (s *Server) InitRepo(t testing.TB, owner, name string) string {
	t.Helper()
	dir := s.bareDir(owner, name)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("git", "init", "--quiet", "--bare", "--initial-branch=main", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git init --bare: %v\n%s", err, out)
	}
	return dir
}

// CloneURL is the HTTPS-style clone URL of owner/name on this server.
func (s *Server) CloneURL(owner, name string) string {
	return s.srv.URL + "/" + owner + "/" + name + ".git"
}
