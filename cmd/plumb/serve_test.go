package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/internal/testenv"
	"github.com/plumbhq/plumb/store/sqlite"
)

// serveFlags parses args for plumb serve with env and the --config file
// applied, as RunE does, and returns the flags' final values.
func serveFlags(t *testing.T, env map[string]string, args ...string) (map[string]string, error) {
	t.Helper()
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Redactor: plumb.NewRedactor(), Getenv: func(k string) string { return env[k] }}
	root := m.rootCmd()
	cmd, _, err := root.Find([]string{"serve"})
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	if err := m.applyEnv(cmd); err != nil {
		return nil, err
	}
	if file, _ := cmd.Flags().GetString("config"); file != "" {
		if err := m.loadFile(cmd, file); err != nil {
			return nil, err
		}
	}
	got := map[string]string{}
	for _, name := range []string{"listen", "webhook-secret", "repo-allowlist", "workers", "data-dir", "job-timeout"} {
		got[name] = cmd.Flags().Lookup(name).Value.String()
	}
	return got, nil
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "plumb-serve.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestServeConfigLayers(t *testing.T) {
	t.Parallel()
	file := writeFile(t, "listen: 127.0.0.1:9000\nwebhook-secret: from-file\nrepo-allowlist: [acme/*, ops/infra]\nworkers: 3\ndata-dir: /srv/plumb\njob-timeout: 90m\n")
	got, err := serveFlags(t, map[string]string{"PLUMB_WEBHOOK_SECRET": "from-env", "PLUMB_WORKERS": "4"}, "--config", file, "--workers", "5")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"listen":         "127.0.0.1:9000",     // file
		"webhook-secret": "from-env",           // env over file
		"workers":        "5",                  // flag over env and file
		"repo-allowlist": "[acme/*,ops/infra]", // a YAML list
		"data-dir":       "/srv/plumb",
		"job-timeout":    "1h30m0s",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestServeConfigErrors(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ body, want string }{
		"unknown key":    {"listen: :1\nlisten_addr: :2\n", "plumb-serve.yaml:2:1: listen_addr: unknown key"},
		"the config key": {"config: other.yaml\n", "plumb-serve.yaml:1:1: config: unknown key"},
		"bad value":      {"workers: many\n", "plumb-serve.yaml:1:1: workers:"},
		"not a mapping":  {"- a\n", "plumb-serve.yaml:1:1: want a mapping"},
		"list for one":   {"listen: [a, b]\n", "plumb-serve.yaml:1:1: listen: want a single value"},
	} {
		_, err := serveFlags(t, nil, "--config", writeFile(t, tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", name, err, tc.want)
		}
	}
}

func TestServeRefusesWithoutSecret(t *testing.T) {
	t.Parallel()
	code, _, stderr := runMain(t, nil, "serve", "--data-dir", t.TempDir(), "--listen", "127.0.0.1:0")
	if code != 1 || !strings.Contains(stderr, "no webhook secret") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// served is a running plumb serve binary.
type served struct {
	t      testing.TB
	cmd    *exec.Cmd
	addr   string
	log    *logWatch
	waited bool
}

const testSecret = "e2e-webhook-secret"

// logWatch is the server's stderr: it finds the address the server
// listens on in its JSON log, and keeps the log's tail for failures.
type logWatch struct {
	buf  []byte
	addr chan string

	mu   sync.Mutex
	kept []byte // the last logTailBytes of the log
}

const logTailBytes = 64 << 10

// tail is the last lines of the server's log.
func (w *logWatch) tail(lines int) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	all := strings.Split(strings.TrimSpace(string(w.kept)), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}

func (w *logWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.kept = append(w.kept, p...)
	if len(w.kept) > logTailBytes {
		w.kept = w.kept[len(w.kept)-logTailBytes:]
	}
	w.mu.Unlock()
	if w.addr == nil {
		return len(p), nil
	}
	w.buf = append(w.buf, p...)
	for {
		line, rest, ok := bytes.Cut(w.buf, []byte("\n"))
		if !ok {
			return len(p), nil
		}
		w.buf = rest
		var l struct{ Msg, Addr string }
		if json.Unmarshal(line, &l) == nil && l.Msg == "plumb serve listening" {
			w.addr <- l.Addr
			w.addr, w.buf = nil, nil
			return len(p), nil
		}
	}
}

// startServe runs the real binary on a free loopback port with dataDir and
// waits until it says where it listens.
func startServe(t testing.TB, dataDir string, env []string, args ...string) *served {
	t.Helper()
	args = append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir, "--log-format", "json"}, args...)
	cmd := exec.Command(testenv.BuildPlumb(t), args...)
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = append(env, "PLUMB_WEBHOOK_SECRET="+testSecret)
	addr := make(chan string, 1)
	log := &logWatch{addr: addr}
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &served{t: t, cmd: cmd, log: log}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("plumb serve's log, last lines:\n%s", log.tail(60))
		}
		if !s.waited {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	select {
	case s.addr = <-addr:
	case <-time.After(60 * time.Second):
		t.Fatalf("plumb serve not listening after 60s; its log:\n%s", log.tail(30))
	}
	return s
}

func (s *served) url(path string) string { return "http://" + s.addr + path }

func (s *served) deliver(event, delivery string, body []byte) (int, string) {
	s.t.Helper()
	mac := hmac.New(sha256.New, []byte(testSecret))
	mac.Write(body)
	req, _ := http.NewRequest(http.MethodPost, s.url("/events"), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", delivery)
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// stop sends sig and returns the exit error and how long the exit took.
func (s *served) stop(sig syscall.Signal) (time.Duration, error) {
	start := time.Now()
	s.cmd.Process.Signal(sig)
	guard := time.AfterFunc(40*time.Second, func() { s.cmd.Process.Kill() })
	defer guard.Stop()
	err := s.cmd.Wait()
	s.waited = true
	return time.Since(start), err
}

func getBody(t testing.TB, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func prDelivery(repo string) []byte {
	return fmt.Appendf(nil, `{"action":"opened","number":3,"pull_request":{"number":3,
 "head":{"ref":"f","sha":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","repo":{"full_name":%q}},
 "base":{"ref":"main","sha":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","repo":{"full_name":%q}}},
 "repository":{"full_name":%q,"clone_url":"https://github.com/%s.git"},"sender":{"login":"octocat"}}`, repo, repo, repo, repo)
}

// eventRow reads an event's status and attempts straight from the file
// the server keeps (WAL lets a second process read it).
func eventRow(t testing.TB, dataDir, delivery string) (status string, attempts int, msg string) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(dataDir, "plumb.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.SQL().QueryRow(`SELECT status, attempts, error FROM plumb_events WHERE delivery = $1`, delivery).Scan(&status, &attempts, &msg)
	if err == sql.ErrNoRows {
		return "", 0, ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return status, attempts, msg
}

// waitHandled waits until the event reached a final status.
func waitHandled(t testing.TB, dataDir, delivery string) (string, int, string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		status, attempts, msg := eventRow(t, dataDir, delivery)
		if status == "processed" || status == "failed" {
			return status, attempts, msg
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: status %q after 20s", delivery, status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestServeE2E(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	s := startServe(t, data, nil)
	if code, body := getBody(t, s.url("/healthz")); code != 200 {
		t.Errorf("/healthz: %d %s", code, body)
	}
	if code, body := getBody(t, s.url("/readyz")); code != 200 {
		t.Errorf("/readyz: %d %s", code, body)
	}
	if code, body := s.deliver("pull_request", "e2e-1", prDelivery("acme/infra")); code != 202 || !strings.Contains(body, `"accepted"`) {
		t.Fatalf("delivery: %d %s", code, body)
	}
	if code, _ := s.deliver("pull_request", "e2e-1", prDelivery("acme/infra")); code != 200 {
		t.Errorf("replay: %d, want 200", code)
	}
	_, body := getBody(t, s.url("/metrics"))
	for _, name := range []string{"plumb_webhook_deliveries_total", "plumb_queue_jobs", "plumb_locks_held", "go_goroutines"} {
		if !strings.Contains(body, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	// Without GitHub credentials nothing can plan it: the event must end
	// failed with the reason, not vanish.
	status, attempts, msg := waitHandled(t, data, "e2e-1")
	if status != "failed" || attempts != 1 || msg == "" {
		t.Errorf("e2e-1: %s after %d attempts (%q)", status, attempts, msg)
	}
	took, err := s.stop(syscall.SIGTERM)
	if err != nil || took > 30*time.Second {
		t.Errorf("SIGTERM: exit %v after %s, want 0 within 30s", err, took)
	}
}

func TestServeKill9AfterAccept(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	s := startServe(t, data, nil)
	for i := range 5 {
		if code, body := s.deliver("pull_request", fmt.Sprintf("k-%d", i), prDelivery("acme/infra")); code != 202 {
			t.Fatalf("delivery %d: %d %s", i, code, body)
		}
	}
	s.stop(syscall.SIGKILL)

	startServe(t, data, nil) // the data dir lock died with the process
	for i := range 5 {
		// Each ends handled to the end, once. The killed process may have
		// started one already: that interrupted attempt counts too.
		status, attempts, _ := waitHandled(t, data, fmt.Sprintf("k-%d", i))
		if status != "failed" || attempts < 1 || attempts > 2 {
			t.Errorf("k-%d: %s after %d attempts, want failed (no token) after one attempt, or two if the kill interrupted the first", i, status, attempts)
		}
	}
}

// TestServeDashboard: the real plumb serve mounts the dashboard: pages
// redirect to the login, the API takes PLUMB_ADMIN_TOKEN, --metrics-auth
// closes /metrics, the open routes stay open, and the session key is
// generated into the data dir (0600) and kept across restarts.
func TestServeDashboard(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	s := startServe(t, data, append(os.Environ(), "PLUMB_ADMIN_TOKEN="+adminToken), "--metrics-auth")
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(s.url("/"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2F" {
		t.Errorf("GET /: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/login": 200, "/metrics": 401, "/api/v1/runs": 401} {
		if code, body := getBody(t, s.url(path)); code != want {
			t.Errorf("GET %s: %d, want %d: %s", path, code, want, body)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, s.url("/api/v1/runs"), nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"runs": []`) {
		t.Errorf("API with the admin token: %d %s", resp.StatusCode, b)
	}
	fi, err := os.Stat(filepath.Join(data, "session.key"))
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() < 32 {
		t.Errorf("session key: %v %v", fi, err)
	}
	key, _ := os.ReadFile(filepath.Join(data, "session.key"))
	if _, err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	s = startServe(t, data, nil)
	if again, _ := os.ReadFile(filepath.Join(data, "session.key")); string(again) != string(key) {
		t.Error("a restart made a new session key: every session would end")
	}
	if code, _ := getBody(t, s.url("/metrics")); code != 200 {
		t.Errorf("/metrics without --metrics-auth: %d, want 200", code)
	}
	s.stop(syscall.SIGTERM)
}
