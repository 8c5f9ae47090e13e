package main

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/engine"
	"github.com/plumbhq/plumb/internal/releasetest"
	"github.com/plumbhq/plumb/internal/testenv"
)

// onDemand is a world where the engine a project asks for is installed
// nowhere plumb looks (no --bin-dir, a PATH without it), but a local
// release mirror in the official layout has it, signed with a test key.
type onDemand struct {
	*e2e
	mirror *releasetest.Mirror
	flags  []string // the release source flags pointing at the mirror
}

func newOnDemand(t *testing.T, engine string) *onDemand {
	t.Helper()
	tl := testenv.Load(t)
	real, err := filepath.EvalSymlinks(map[string]string{"tofu": tl.Tofu, "terraform": tl.Terraform}[engine])
	if err != nil {
		t.Fatal(err)
	}
	// .tools/cache/<engine>/<version>/<engine>, as `make tools` builds it.
	rel := releasetest.Release{Engine: engine, Version: filepath.Base(filepath.Dir(real)), Binary: real}
	key := releasetest.NewKey(t)
	w := &onDemand{e2e: newE2E(t, "fixtures/mono"), mirror: releasetest.NewMirror(t, key, rel)}
	w.flags = []string{"--terraform-releases-url", w.mirror.TerraformURL(), "--terraform-releases-pubkey", key.File,
		"--tofu-releases-url", w.mirror.TofuURL(), "--tofu-releases-pubkey", key.File}
	w.env = append(w.env, "PATH="+pathWithout(t, engine))
	w.repo.Write("plumb.yaml", "version: 1\nprojects:\n  - name: net-dev\n    dir: envs/dev/net\n    engine: "+engine+"\n    version: \"= "+rel.Version+"\"\n")
	w.repo.Commit("a project on an engine version that is not installed")
	return w
}

// pathWithout is PATH minus every directory holding engine (the tools'
// bin dir, which testenv.Env puts first, and any other).
func pathWithout(t *testing.T, engine string) string {
	t.Helper()
	var keep []string
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(dir, engine)); err != nil {
			keep = append(keep, dir)
		}
	}
	path := strings.Join(keep, string(os.PathListSeparator))
	cmd := exec.Command("sh", "-c", "command -v "+engine)
	cmd.Env = []string{"PATH=" + path}
	if out, err := cmd.Output(); err == nil {
		t.Fatalf("%s is still on PATH: %s", engine, out)
	}
	return path
}

func (w *onDemand) plan() (runJSON, result) {
	w.t.Helper()
	res := w.plumb(append([]string{"plan", "--json"}, w.flags...)...)
	var out runsJSON
	if err := json.Unmarshal([]byte(res.stdout), &out); err != nil || len(out.Runs) != 1 {
		w.t.Fatalf("plumb plan: exit %d, %v\nstdout:\n%s\nstderr:\n%s", res.code, err, res.stdout, res.stderr)
	}
	return out.Runs[0], res
}

func (w *onDemand) archives() int {
	n := 0
	for _, p := range w.mirror.Requests() {
		if strings.HasSuffix(p, ".zip") {
			n++
		}
	}
	return n
}

// TestPlanDownloadsTheEngine: plumb plan of a project whose engine
// version is not installed plans after a verified download from the
// mirror, with progress in the log; the next plan uses the cached binary.
func TestPlanDownloadsTheEngine(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"terraform", "tofu"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newOnDemand(t, engine)
			run, res := w.plan()
			if run.Status != "changes" || run.Engine != engine {
				t.Fatalf("plan: %s by %s %s (%s), want changes by %s\nstderr:\n%s", run.Status, run.Engine, run.EngineVersion, run.Error, engine, res.stderr)
			}
			cached := filepath.Join(w.data, "engines", engine, run.EngineVersion, engine)
			if _, err := os.Stat(cached); err != nil {
				t.Errorf("no engine in the cache: %v", err)
			}
			for _, want := range []string{"engine not installed: downloading it", "engine download done", "engine verified and cached"} {
				if !strings.Contains(res.stderr, want) {
					t.Errorf("the log lacks %q:\n%s", want, res.stderr)
				}
			}
			if n := w.archives(); n != 1 {
				t.Errorf("archive downloaded %d times, want once", n)
			}
			before := len(w.mirror.Requests())
			if again, _ := w.plan(); again.Status != "changes" || again.EngineVersion != run.EngineVersion {
				t.Errorf("second plan: %s by %s (%s)", again.Status, again.EngineVersion, again.Error)
			}
			if got := w.mirror.Requests()[before:]; len(got) != 0 {
				t.Errorf("the second plan went to the mirror: %q", got)
			}
		})
	}
}

// TestPlanRefusesATamperedEngine: an archive whose sha256 is not the
// signed one fails the project with the URL, and nothing is cached.
func TestPlanRefusesATamperedEngine(t *testing.T) {
	t.Parallel()
	w := newOnDemand(t, "terraform")
	archive := w.mirror.Files("terraform", "1.5.7").Archive
	b, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff // one byte of the binary, deep in the archive
	if err := os.WriteFile(archive, b, 0o644); err != nil {
		t.Fatal(err)
	}
	run, res := w.plan()
	if res.code == 0 || run.Status == "changes" {
		t.Fatalf("planned with a tampered engine: exit %d, %s", res.code, run.Status)
	}
	for _, want := range []string{"refused", w.mirror.TerraformURL() + "/terraform/1.5.7/terraform_1.5.7_", "sha256"} {
		if !strings.Contains(run.Error, want) {
			t.Errorf("error lacks %q: %s", want, run.Error)
		}
	}
	if left, _ := os.ReadDir(filepath.Join(w.data, "engines", "terraform")); len(left) != 0 {
		t.Errorf("the cache holds %v after the refusal", left)
	}
}

// TestServeConfigReleaseKeys: a serve --config file names the mirror and
// its key once; PLUMB_* variables win over it, as for every key.
func TestServeConfigReleaseKeys(t *testing.T) {
	t.Parallel()
	file := writeFile(t, "tofu-releases-url: https://mirror.internal/tofu\ntofu-releases-pubkey: /etc/plumb/tofu.asc\n"+
		"terraform-releases-url: https://mirror.internal/hashicorp\ndownload-engines: true\n")
	env := map[string]string{"PLUMB_TERRAFORM_RELEASES_PUBKEY": "/etc/plumb/hashicorp.asc"}
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Redactor: plumb.NewRedactor(), Getenv: func(k string) string { return env[k] }}
	cmd, _, err := m.rootCmd().Find([]string{"serve"})
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.ParseFlags([]string{"--config", file}); err != nil {
		t.Fatal(err)
	}
	if err := m.applyEnv(cmd); err != nil {
		t.Fatal(err)
	}
	if err := m.loadFile(cmd, file); err != nil {
		t.Fatal(err)
	}
	f := m.engineFetcher("/srv/plumb")
	tf := engine.Source{URL: "https://mirror.internal/hashicorp", KeyFile: "/etc/plumb/hashicorp.asc"}
	tofu := engine.Source{URL: "https://mirror.internal/tofu", KeyFile: "/etc/plumb/tofu.asc"}
	if f == nil || f.Dir != "/srv/plumb/engines" || f.Terraform != tf || f.Tofu != tofu {
		t.Fatalf("fetcher %+v, want terraform %+v and tofu %+v in /srv/plumb/engines", f, tf, tofu)
	}
	m.Releases.Download = false
	if m.engineFetcher("/srv/plumb") != nil {
		t.Error("--download-engines=false still gives a fetcher")
	}
}
