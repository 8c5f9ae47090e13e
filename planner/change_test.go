package planner_test

import (
	"errors"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/planner"
)

// hashedFS is a tree that knows its directories' hashes, as a git tree
// does, and counts the files read, to show what the Loader parses twice.
type hashedFS struct {
	fstest.MapFS
	hashes map[string]string
	mu     *sync.Mutex
	reads  map[string]int
}

func (h hashedFS) DirHash(dir string) (string, bool) {
	v, ok := h.hashes[dir]
	return v, ok
}

func (h hashedFS) ReadFile(name string) ([]byte, error) {
	h.mu.Lock()
	h.reads[name]++
	h.mu.Unlock()
	return h.MapFS.ReadFile(name)
}

// brokenFS fails every directory listing: a tree that cannot be read.
type brokenFS struct{ fstest.MapFS }

func (brokenFS) ReadDir(string) ([]fs.DirEntry, error) { return nil, errors.New("object not found") }

func TestChangeBetween(t *testing.T) {
	const yaml = "version: 1\nprojects:\n  - {name: app, dir: app}\n"
	app := &fstest.MapFile{Data: []byte("module \"m\" {\n  source = \"../mod\"\n}\n")}
	mod := &fstest.MapFile{Data: []byte("variable \"x\" {}\n")}
	tree := func(plumbYAML string) fstest.MapFS {
		return fstest.MapFS{"plumb.yaml": {Data: []byte(plumbYAML)}, "app/main.tf": app, "mod/main.tf": mod}
	}
	tests := []struct {
		name       string
		base, head fs.FS
		changes    []planner.FileChange
		want       map[string][]string // project → reasons
		wantErr    string              // substring; "" for none
		wantCode   string
	}{
		{
			name: "a module change", base: tree(yaml), head: tree(yaml),
			changes: []planner.FileChange{{From: "mod/main.tf", To: "mod/main.tf"}},
			want:    map[string][]string{"app": {"calls mod (modified mod/main.tf)"}},
		},
		{
			name: "a fix of plumb.yaml broken at base", base: tree("version: 1\nprojects: [\n"), head: tree(yaml),
			changes: []planner.FileChange{{From: "plumb.yaml", To: "plumb.yaml"}},
			want:    map[string][]string{"app": {"added to plumb.yaml"}},
		},
		{
			name: "plumb.yaml broken at head", base: tree(yaml), head: tree("version: 1\nprojects: [{dir: app, engine: tf}]\n"),
			changes: []planner.FileChange{{From: "plumb.yaml", To: "plumb.yaml"}},
			wantErr: "plumb.yaml:2:", wantCode: plumb.EINVALID,
		},
		{
			name: "unreadable base", base: brokenFS{tree(yaml)}, head: tree(yaml),
			changes: []planner.FileChange{{From: "mod/main.tf", To: "mod/main.tf"}},
			wantErr: "load base: read .: object not found", wantCode: plumb.EINTERNAL,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ch, idx, err := planner.NewLoader().ChangeBetween(tt.base, tt.head, tt.changes)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || plumb.ErrorCode(err) != tt.wantCode {
					t.Fatalf("err = %v (code %q), want it to contain %q with code %q", err, plumb.ErrorCode(err), tt.wantErr, tt.wantCode)
				}
				if tt.wantCode == plumb.EINVALID && idx == nil {
					t.Error("no head index returned with head's config errors: callers report from it")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if idx == nil || len(idx.Projects) == 0 {
				t.Fatalf("head index = %v, want the head's projects", idx)
			}
			got := map[string][]string{}
			for _, a := range ch.Projects {
				got[a.Project.Name] = a.Reasons
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("affected (-want +got):\n%s", d)
			}
		})
	}
}

// One Loader indexes both trees: a directory whose hash is the same at
// base and head is parsed once.
func TestChangeBetweenParsesSharedDirsOnce(t *testing.T) {
	reads := map[string]int{}
	mu := &sync.Mutex{}
	mod := &fstest.MapFile{Data: []byte("variable \"x\" {}\n")}
	base := hashedFS{fstest.MapFS{"app/main.tf": {Data: []byte("module \"m\" {\n  source = \"../mod\"\n}\n")}, "mod/main.tf": mod},
		map[string]string{".": "r1", "app": "a1", "mod": "m1"}, mu, reads}
	head := hashedFS{fstest.MapFS{"app/main.tf": {Data: []byte("module \"m\" {\n  source = \"../mod\"\n}\n# x\n")}, "mod/main.tf": mod},
		map[string]string{".": "r2", "app": "a2", "mod": "m1"}, mu, reads}
	ch, _, err := planner.NewLoader().ChangeBetween(base, head, []planner.FileChange{{From: "app/main.tf", To: "app/main.tf"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Projects) != 1 || ch.Projects[0].Project.Name != "app" {
		t.Errorf("affected = %v, want app", ch.Projects)
	}
	if reads["mod/main.tf"] != 1 || reads["app/main.tf"] != 2 {
		t.Errorf("reads = %v, want mod/main.tf once (same hash) and app/main.tf twice", reads)
	}
}
