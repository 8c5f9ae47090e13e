package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/server/dashboard"
	"github.com/plumbhq/plumb/store/sqlite"
)

// runMain runs plumb in-process with env as its whole environment.
func runMain(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Redactor: plumb.NewRedactor(),
		Getenv: func(k string) string { return env[k] }, Environ: func() []string { return nil }}
	code = m.Run(t.Context(), args)
	return code, out.String(), errb.String()
}

// seedLocks acquires locks through the store, as the runner would.
func seedLocks(t *testing.T, dataDir string, locks ...plumb.Lock) []plumb.Lock {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(dataDir, "plumb.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var held []plumb.Lock
	for _, l := range locks {
		got, err := db.AcquireLock(t.Context(), l)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, got)
	}
	return held
}

func TestLocksListAndRelease(t *testing.T) {
	data := t.TempDir()
	held := seedLocks(t, data,
		plumb.Lock{Key: plumb.LockKey{Repo: "acme/infra", Dir: "envs/dev/app", Workspace: "default"}, Project: "app-dev",
			Owner: "PR #12", Reason: "apply 0123abcd", RunID: "run1", AcquiredAt: time.Now().Add(-90 * time.Minute)},
		plumb.Lock{Key: plumb.LockKey{Repo: "acme/infra", Dir: "envs/prod/network", Workspace: "blue"},
			Project: "network-production", Owner: "main", Reason: "apply 4567", AcquiredAt: time.Now().Add(-5 * time.Second)})
	env := map[string]string{"PLUMB_DATA_DIR": data}

	code, out, errOut := runMain(t, env, "locks")
	if code != 0 {
		t.Fatalf("plumb locks: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("want a header and 2 rows, got:\n%s", out)
	}
	// Aligned: every column starts at the same offset on every line.
	col := strings.Index(lines[0], "OWNER")
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l[col:], "PR #12") && !strings.HasPrefix(l[col:], "main") {
			t.Fatalf("OWNER column not aligned:\n%s", out)
		}
	}
	if !regexp.MustCompile(`^` + held[0].ID + `\s+app-dev\s+envs/dev/app\s+default\s+PR #12\s+apply 0123abcd\s+1h30m$`).MatchString(lines[1]) {
		t.Fatalf("row 1 = %q", lines[1])
	}
	if !strings.HasSuffix(lines[2], " 5s") && !strings.HasSuffix(lines[2], " 6s") {
		t.Fatalf("row 2 age: %q", lines[2])
	}

	code, out, _ = runMain(t, env, "locks", "list", "--json")
	var list struct {
		FormatVersion string               `json:"format_version"`
		Locks         []dashboard.LockJSON `json:"locks"`
	}
	if err := json.Unmarshal([]byte(out), &list); code != 0 || err != nil {
		t.Fatalf("locks list --json: exit %d, %v:\n%s", code, err, out)
	}
	if list.FormatVersion != "1" || len(list.Locks) != 2 || list.Locks[1].Workspace != "blue" || list.Locks[0].Owner != "PR #12" {
		t.Fatalf("locks --json = %+v", list)
	}

	code, out, errOut = runMain(t, env, "--data-dir", data, "locks", "release", held[0].ID)
	if code != 0 || !strings.Contains(out, "released lock "+held[0].ID+" on app-dev") {
		t.Fatalf("release: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, errOut = runMain(t, env, "locks", "release", held[0].ID)
	if code != 1 || out != "" || !strings.Contains(errOut, `no lock with id "`+held[0].ID+`"`) {
		t.Fatalf("release again: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	db, err := sqlite.Open(context.Background(), filepath.Join(data, "plumb.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	left, _ := db.Locks(t.Context())
	audit, _ := db.Audit(t.Context(), plumb.AuditFilter{})
	if len(left) != 1 || left[0].ID != held[1].ID {
		t.Fatalf("locks left: %+v", left)
	}
	if len(audit) != 1 || audit[0].Actor != "cli" || audit[0].Action != "unlock" || audit[0].Project != "app-dev" ||
		audit[0].RunID != "run1" || !strings.Contains(audit[0].Result, "PR #12") {
		t.Fatalf("audit: %+v", audit)
	}

	code, out, _ = runMain(t, env, "locks", "release", held[1].ID, "--json")
	var rel struct {
		FormatVersion string             `json:"format_version"`
		Released      dashboard.LockJSON `json:"released"`
	}
	if err := json.Unmarshal([]byte(out), &rel); code != 0 || err != nil || rel.FormatVersion != "1" || rel.Released.ID != held[1].ID {
		t.Fatalf("release --json: exit %d, %v: %s", code, err, out)
	}
	if code, out, _ = runMain(t, env, "locks", "--json"); code != 0 || !strings.Contains(out, `"locks": []`) {
		t.Fatalf("empty list --json: exit %d: %s", code, out)
	}
}

func TestLocksDefaultDataDirIsUnderTheRepo(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	repo := t.TempDir()
	if out, err := exec.Command("git", "init", "-q", repo).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v: %s", err, out)
	}
	sub := filepath.Join(repo, "envs", "dev")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runMain(t, nil, "locks", "--repo", sub)
	if code != 0 || out != "no locks held\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	fi, err := os.Stat(filepath.Join(repo, ".plumb"))
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf(".plumb/: %v, %v; want a 0700 dir at the repo's top level", fi, err)
	}
	for _, f := range []string{"plumb.db", ".gitignore"} {
		if _, err := os.Stat(filepath.Join(repo, ".plumb", f)); err != nil {
			t.Fatal(err)
		}
	}

	code, _, errOut = runMain(t, nil, "locks", "--repo", t.TempDir())
	if code != 1 || !strings.Contains(errOut, "no git repository") {
		t.Fatalf("outside a repo: exit %d, stderr %q", code, errOut)
	}
}

// TestDashboardReleaseLock: releasing needs write permission, the
// confirmation and the form's CSRF token; it is audited under the user.
func TestDashboardReleaseLock(t *testing.T) {
	t.Parallel()
	w := newDashWorld(t)
	_, lock := w.seed(false)
	post := func(c *http.Client, csrf, confirm string) (int, string) {
		resp, err := c.PostForm(w.srv.URL+"/locks/"+lock.ID+"/release", url.Values{"csrf": {csrf}, "confirm": {confirm}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b) + resp.Header.Get("Location")
	}
	csrfOf := func(c *http.Client) string {
		_, page := w.get(c, "/locks/"+lock.ID+"/release")
		m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no CSRF token on the release page:\n%s", page)
		}
		return m[1]
	}
	held := func() bool {
		locks, _ := w.db.Locks(t.Context())
		for _, l := range locks {
			if l.ID == lock.ID {
				return true
			}
		}
		return false
	}

	bob := w.login("bob")
	if _, page := w.get(bob, "/locks/"+lock.ID+"/release"); !strings.Contains(page, `id="no-write"`) || strings.Contains(page, "confirm-release") {
		t.Errorf("bob's confirmation page offers the release:\n%s", page)
	}
	if code, body := post(bob, csrfOf(bob), "yes"); code != http.StatusForbidden || !strings.Contains(body, "write permission") {
		t.Errorf("bob releases: %d %s", code, body)
	}
	alice := w.login("alice")
	if code, _ := post(alice, "", "yes"); code != http.StatusForbidden {
		t.Errorf("no CSRF token: %d", code)
	}
	if code, _ := post(alice, csrfOf(bob), "yes"); code != http.StatusForbidden {
		t.Errorf("bob's CSRF token in alice's session: %d", code)
	}
	if code, body := post(alice, csrfOf(alice), ""); code != http.StatusBadRequest || !strings.Contains(body, "confirm") {
		t.Errorf("no confirmation: %d %s", code, body)
	}
	if !held() {
		t.Fatal("the lock went before a valid release")
	}
	if code, loc := post(alice, csrfOf(alice), "yes"); code != http.StatusSeeOther || !strings.HasSuffix(loc, "/locks?released="+lock.ID) {
		t.Fatalf("alice releases: %d %s", code, loc)
	}
	if held() {
		t.Fatal("the lock is still held")
	}
	if code, _ := post(alice, csrfOf(alice), "yes"); code != http.StatusNotFound {
		// the page itself 404s now; so does a second release
		t.Errorf("a second release: %d", code)
	}
	entries, err := w.db.Audit(t.Context(), plumb.AuditFilter{Actor: "alice"})
	if err != nil || len(entries) != 1 || entries[0].Action != "unlock" || entries[0].Project != "app-prod" || !strings.Contains(entries[0].Result, "PR #12") {
		t.Fatalf("audit: %+v %v", entries, err)
	}
	if _, page := w.get(alice, "/audit?actor=alice"); !strings.Contains(page, "unlock") || !strings.Contains(page, "app-prod") {
		t.Errorf("the audit page does not show the release:\n%s", page)
	}
}
