package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plumbhq/plumb/planner"
	"github.com/plumbhq/plumb/vcs"
)

// The planner's benchmarks index commits of a synthetic monorepo as plumb
// does, from git objects through vcs (OpenRepo, Tree, Changed): they
// measure the planner together with vcs's trees and their tree hashes, so
// they live here, where the two meet, not in the pure planner package.
// scripts/bench.sh (section_planner) runs them.
//
// The synthetic monorepo of the benchmark: 5,000 projects of 3 files each
// under teams/tNN/svcNNNN, 300 local modules under modules/ whose calls
// nest up to 4 deep, most projects calling 1-3 modules. Its head commit
// changes 500 files: 480 project files and 20 module files.
const (
	benchProjects = 5000
	benchModules  = 300
	benchChanged  = 500
)

func benchModuleDir(i int) string { return fmt.Sprintf("modules/l%d/m%03d", i*4/benchModules, i) }
func benchProjectDir(i int) string {
	return fmt.Sprintf("teams/t%02d/svc%04d", i%50, i)
}

// writeBenchRepo writes the base tree of the synthetic monorepo to dir.
func writeBenchRepo(dir string) error {
	files := map[string]string{}
	level := benchModules / 4
	for i := 0; i < benchModules; i++ {
		body := fmt.Sprintf("variable \"name\" {}\n\nresource \"null_resource\" \"m%d\" {\n  triggers = { name = var.name }\n}\n", i)
		if i >= level { // modules above level 0 call one module a level down: chains of 4
			body += fmt.Sprintf("\nmodule \"down\" {\n  source = \"../../%s\"\n  name   = var.name\n}\n", benchModuleDir(i-level))
		}
		files[benchModuleDir(i)+"/main.tf"] = body
		files[benchModuleDir(i)+"/outputs.tf"] = "output \"id\" {\n  value = \"x\"\n}\n"
	}
	for i := 0; i < benchProjects; i++ {
		var b strings.Builder
		for c := 0; c < i%4; c++ { // 0-3 calls: three in four projects call 1-3 modules
			m := (i*7 + c*131) % benchModules
			fmt.Fprintf(&b, "module \"m%d\" {\n  source = \"../../../%s\"\n  name   = \"svc%d\"\n  for_each = toset([\"a\"])\n}\n\n", c, benchModuleDir(m), i)
		}
		b.WriteString("resource \"null_resource\" \"this\" {}\n")
		d := benchProjectDir(i)
		files[d+"/main.tf"] = b.String()
		files[d+"/variables.tf"] = "variable \"region\" {\n  default = \"eu-west-1\"\n}\n"
		files[d+"/backend.tf"] = "terraform {\n  backend \"local\" {}\n}\n\nprovider \"null\" {}\n"
	}
	return writeBenchFiles(dir, files)
}

// editBenchRepo changes benchChanged files of the base tree.
func editBenchRepo(dir string) error {
	files := map[string]string{}
	for i := 0; i < 20; i++ {
		files[benchModuleDir(i*15)+"/outputs.tf"] = "output \"id\" {\n  value = \"y\"\n}\n"
	}
	for i := 0; i < benchChanged-20; i++ {
		files[benchProjectDir(i*10)+"/variables.tf"] = "variable \"region\" {\n  default = \"us-east-1\"\n}\n"
	}
	return writeBenchFiles(dir, files)
}

func writeBenchFiles(dir string, files map[string]string) error {
	for p, content := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

var plannerBenchRepo = sync.OnceValues(func() (string, error) {
	// PLUMB_BENCH_REPO lets scripts/bench.sh generate the repository once
	// and reuse it across runs.
	dir := os.Getenv("PLUMB_BENCH_REPO")
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "plumb-bench-"); err != nil {
			return "", err
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
		return dir, nil
	}
	if err := writeBenchRepo(dir); err != nil {
		return "", err
	}
	if err := benchGit(dir, "init", "-q", "-b", "main"); err != nil {
		return "", err
	}
	if err := benchCommit(dir, "base"); err != nil {
		return "", err
	}
	if err := editBenchRepo(dir); err != nil {
		return "", err
	}
	return dir, benchCommit(dir, "head")
})

type plannerBench struct {
	repo       *vcs.Repo
	base, head *planner.Index
	changes    []planner.FileChange
}

func setupPlannerBench(b *testing.B) plannerBench {
	b.Helper()
	dir, err := plannerBenchRepo()
	if err != nil {
		b.Fatalf("generate the benchmark repository: %v", err)
	}
	repo, err := vcs.OpenRepo(dir)
	if err != nil {
		b.Fatal(err)
	}
	l := planner.NewLoader()
	bb := plannerBench{repo: repo}
	for _, x := range []struct {
		ref string
		idx **planner.Index
	}{{"HEAD~1", &bb.base}, {"HEAD", &bb.head}} {
		tree, _, err := repo.Tree(x.ref)
		if err != nil {
			b.Fatal(err)
		}
		if *x.idx, err = l.Load(tree); err != nil {
			b.Fatal(err)
		}
	}
	changes, err := repo.Changed(context.Background(), "HEAD~1", "HEAD")
	if err != nil {
		b.Fatal(err)
	}
	if len(changes) != benchChanged {
		b.Fatalf("the head commit changes %d files, want %d", len(changes), benchChanged)
	}
	for _, c := range changes {
		bb.changes = append(bb.changes, planner.FileChange(c))
	}
	return bb
}

// BenchmarkPlannerIndexCold indexes a commit of the monorepo from nothing:
// a fresh repository handle, a fresh Loader. It also reports the peak heap.
func BenchmarkPlannerIndexCold(b *testing.B) {
	bb := setupPlannerBench(b)
	if n := len(bb.head.Projects); n != benchProjects {
		b.Fatalf("indexed %d projects, want %d", n, benchProjects)
	}
	var peak uint64
	for b.Loop() {
		runtime.GC()
		stop := sampleHeap(&peak)
		repo, err := vcs.OpenRepo(bb.repo.Root)
		if err != nil {
			b.Fatal(err)
		}
		tree, _, err := repo.Tree("HEAD")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := planner.NewLoader().Load(tree); err != nil {
			b.Fatal(err)
		}
		stop()
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// BenchmarkPlannerIndexNext indexes the head commit with the Loader that
// indexed the base: only directories whose tree hash changed are parsed.
func BenchmarkPlannerIndexNext(b *testing.B) {
	bb := setupPlannerBench(b)
	for b.Loop() {
		l := planner.NewLoader()
		for _, ref := range []string{"HEAD~1", "HEAD"} {
			tree, _, err := bb.repo.Tree(ref)
			if err != nil {
				b.Fatal(err)
			}
			if ref == "HEAD" {
				b.StartTimer()
			} else {
				b.StopTimer()
			}
			if _, err := l.Load(tree); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkPlannerAffected computes the affected set of the 500-file diff,
// given both indexes.
func BenchmarkPlannerAffected(b *testing.B) {
	bb := setupPlannerBench(b)
	var n int
	for b.Loop() {
		ch, err := planner.Affected(bb.base, bb.head, bb.changes)
		if err != nil {
			b.Fatal(err)
		}
		n = len(ch.Projects)
	}
	b.ReportMetric(float64(n), "projects")
}

// sampleHeap records the largest live heap seen until stop is called.
func sampleHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			*peak = max(*peak, ms.HeapAlloc)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

func benchGit(dir string, args ...string) error {
	cmd := exec.Command("git", append([]string{"-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("git %v: %w\n%s", args, err, out)
	}
	return nil
}

func benchCommit(dir, msg string) error {
	if err := benchGit(dir, "add", "-A"); err != nil {
		return err
	}
	return benchGit(dir, "commit", "-q", "-m", msg)
}
