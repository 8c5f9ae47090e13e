package main

import (
	"bufio"
	"bytes"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/plumbhq/plumb/internal/testenv"
)

func TestMain(m *testing.M) { code := m.Run(); testenv.Cleanup(); os.Exit(code) }

// TestDashboard is make dashboard end to end: scripts/demo.sh makes its
// data with the real plumb and tofu (only the applies and the drift), then
// scripts/dashboard.sh starts githubdemo and the real plumb serve on it.
// /healthz answers, / without a session goes to the login, alice logs in
// through the GitHub test server's OAuth form, the estate lists the demo's
// environments and projects, applied, with app-dev drifted as the demo
// left it, and Ctrl-C (SIGINT to the group) stops both with exit 0.
func TestDashboard(t *testing.T) {
	for _, tool := range []string{"bash", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			need(t, tool+" is not on PATH: "+err.Error())
		}
	}
	tools := testenv.Load(t)
	plumbBin := testenv.BuildPlumb(t)
	ghBin := buildGithubdemo(t)
	root := testenv.RepoRoot(t)
	demo := filepath.Join(t.TempDir(), "demo")
	env := append(os.Environ(), "PLUMB_TOOLS_DIR="+tools.Dir, "PLUMB_BIN="+plumbBin, "PLUMB_GITHUBDEMO="+ghBin, "PLUMB_DEMO_DIR="+demo)

	t.Run("before make demo", func(t *testing.T) {
		out, err := script(root, env, "scripts/dashboard.sh").CombinedOutput()
		if err == nil || !strings.Contains(string(out), "run `make demo` first") {
			t.Errorf("dashboard.sh without demo data: %v, want exit 1 saying to run make demo:\n%s", err, out)
		}
	})

	start := time.Now()
	if out, err := script(root, append(env, "PLUMB_DEMO_QUICK=1"), "scripts/demo.sh").CombinedOutput(); err != nil {
		t.Fatalf("demo.sh: %v\n%s", err, out)
	} else if !strings.Contains(string(out), "make dashboard") {
		t.Errorf("demo.sh does not end by saying how to open the dashboard:\n%s", out)
	}
	t.Logf("demo.sh (apply and drift with real tofu): %s", time.Since(start).Round(time.Millisecond))

	listen := freeAddr(t)
	d := startDashboard(t, root, append(env, "PLUMB_DASHBOARD_LISTEN="+listen), demo)
	base := "http://" + listen
	if got := d.printed.String(); !strings.Contains(got, base+"/") || !strings.Contains(got, "alice") || !strings.Contains(got, "Ctrl-C") {
		t.Errorf("dashboard.sh printed no URL, login or how to stop:\n%s", got)
	}

	if resp, _ := get(t, http.DefaultClient, base+"/healthz"); resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %s", resp.Status)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, _ := get(t, noFollow, base+"/"); resp.StatusCode/100 != 3 || resp.Header.Get("Location") != "/login?next=%2F" {
		t.Errorf("/ without a session: %s to %q, want a redirect to /login?next=%%2F", resp.Status, resp.Header.Get("Location"))
	}

	estate := login(t, base, "alice")
	if m := regexp.MustCompile(`<span id="viewer">([^<]*)</span>`).FindStringSubmatch(estate); m == nil || m[1] != "alice" {
		t.Errorf("the estate's viewer is %q, want alice", m)
	}
	var envs []string
	for _, m := range regexp.MustCompile(`<th class="env">([^<]*)</th>`).FindAllStringSubmatch(estate, -1) {
		envs = append(envs, m[1])
	}
	if !slices.Equal(envs, []string{"dev", "staging", "prod"}) {
		t.Errorf("estate columns %q, want the demo's environments dev staging prod", envs)
	}
	cells := map[string]string{}
	for _, m := range regexp.MustCompile(`(?s)<td class="cell ([^"]*)" data-project="([^"]*)".*?</td>`).FindAllStringSubmatch(estate, -1) {
		if !strings.Contains(m[0], "applied <a") {
			t.Errorf("estate cell %s shows no apply: %s", m[2], m[0])
		}
		cells[m[2]] = m[1]
	}
	for _, name := range []string{"network-dev", "app-dev", "network-staging", "app-staging", "network-prod", "app-prod"} {
		want := "drift-clean"
		if name == "app-dev" { // the file the demo deleted out of band
			want = "drift-drifted"
		}
		if cells[name] != want {
			t.Errorf("estate cell %s: %q, want %q (all: %v)", name, cells[name], want, cells)
		}
	}
	if t.Failed() {
		t.Logf("estate page:\n%s", estate)
	}

	d.interrupt(t)
	if _, err := os.Stat(filepath.Join(demo, "dashboard.pid")); !os.IsNotExist(err) {
		t.Errorf("dashboard.pid left after the stop: %v", err)
	}
}

// need skips the test for want of a tool, or fails it under CI=true.
func need(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// buildGithubdemo builds this package's program, with -race when the
// end-to-end tests ask for it as testenv.BuildPlumb does.
func buildGithubdemo(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "githubdemo")
	args := []string{"build", "-o", bin}
	if os.Getenv("PLUMB_E2E_RACE") != "" {
		args = append(args, "-race")
	}
	if out, err := exec.Command("go", append(args, ".")...).CombinedOutput(); err != nil {
		t.Fatalf("go build githubdemo: %v\n%s", err, out)
	}
	return bin
}

func script(root string, env []string, name string) *exec.Cmd {
	cmd := exec.Command("bash", filepath.Join(root, name))
	cmd.Dir, cmd.Env = root, env
	return cmd
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// dashboard is a running scripts/dashboard.sh, in a process group of its
// own as a terminal's foreground job is.
type dashboard struct {
	cmd     *exec.Cmd
	demo    string
	printed *syncBuffer
	done    chan error
}

func startDashboard(t *testing.T, root string, env []string, demo string) *dashboard {
	t.Helper()
	d := &dashboard{cmd: script(root, env, "scripts/dashboard.sh"), demo: demo, printed: &syncBuffer{}, done: make(chan error, 1)}
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	d.cmd.Stdout, d.cmd.Stderr = pw, pw
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL) // whatever a failed test left running
		if t.Failed() {
			for _, f := range []string{"serve.log", "github.log"} {
				b, _ := os.ReadFile(filepath.Join(demo, f))
				t.Logf("%s:\n%s", f, tail(string(b), 40))
			}
		}
	})
	up := make(chan struct{})
	go func() {
		s := bufio.NewScanner(pr)
		once := sync.Once{}
		for s.Scan() {
			d.printed.WriteString(s.Text() + "\n")
			if strings.Contains(s.Text(), "Ctrl-C stops both") {
				once.Do(func() { close(up) })
			}
		}
	}()
	go func() { err := d.cmd.Wait(); pw.Close(); d.done <- err }()
	select {
	case <-up:
	case err := <-d.done:
		t.Fatalf("dashboard.sh exited before it was up: %v\n%s", err, d.printed)
	case <-time.After(60 * time.Second):
		t.Fatalf("dashboard.sh not up after 60 s:\n%s", d.printed)
	}
	return d
}

// interrupt is Ctrl-C: SIGINT to the whole group; both servers must stop
// and the script exit 0 (githubdemo exits 1 if GitHub's API description
// was broken).
func (d *dashboard) interrupt(t *testing.T) {
	t.Helper()
	syscall.Kill(-d.cmd.Process.Pid, syscall.SIGINT)
	select {
	case err := <-d.done:
		if err != nil || !strings.Contains(d.printed.String(), "dashboard: stopped") {
			t.Errorf("after Ctrl-C dashboard.sh: %v, want exit 0 and stopped:\n%s", err, d.printed)
		}
	case <-time.After(40 * time.Second):
		t.Fatalf("dashboard.sh still running 40 s after Ctrl-C:\n%s", d.printed)
	}
}

// login signs user in as a browser would: the dashboard's GitHub link,
// the test server's sign-in form posted, the redirects back followed. It
// returns the page it ends on (the estate).
func login(t *testing.T, base, user string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	resp, form := get(t, c, base+"/auth/github?next=%2F")
	if resp.StatusCode != http.StatusOK || !strings.Contains(form, `id="login_field"`) {
		t.Fatalf("the login did not reach the GitHub sign-in form: %s\n%s", resp.Status, form)
	}
	vals := url.Values{"login": {user}, "authorize": {"1"}}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(form, -1) {
		vals.Set(m[1], html.UnescapeString(m[2]))
	}
	authorize := resp.Request.URL.ResolveReference(&url.URL{Path: "/login/oauth/authorize"})
	resp, err := c.PostForm(authorize.String(), vals)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.String() != base+"/" {
		t.Fatalf("after signing in as %s: %s at %s, want the estate at %s/\n%s", user, resp.Status, resp.Request.URL, base, body)
	}
	return string(body)
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) WriteString(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b.WriteString(s)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
