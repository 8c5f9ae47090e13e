package planner

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/plumbhq/plumb"
)

// TreeHasher is implemented by trees that know a content hash per directory
// (a git tree's object id). A Loader skips parsing a directory whose hash it
// has seen, so loading the next commit parses only what changed.
type TreeHasher interface {
	// DirHash returns the hash of dir ("." for the root), and false when
	// unknown.
	DirHash(dir string) (string, bool)
}

// Index is plumb's view of one commit: its configuration, its projects in
// apply order, every directory's discovery decision and the module graph.
type Index struct {
	Config   *Config         // nil when the commit has no plumb.yaml
	Projects []plumb.Project // configured and discovered, in apply order
	// Decisions says, for every directory holding Terraform or OpenTofu
	// files, whether it is a project and why; sorted by directory.
	Decisions []Decision
	// Problems lists what is wrong in plumb.yaml and in the Terraform files
	// (broken HCL, missing module targets): plumb validate fails on any.
	Problems ConfigErrors

	configBroken bool                // plumb.yaml exists but is invalid: discover nothing
	dirs         map[string]*dirScan // directories with config files
	edges        map[string][]edge   // dir → the local modules it calls
	callers      map[string][]string // module dir → the dirs calling it, sorted
	reach        []map[string]string // per project: module → the module that calls it ("" for the project)
	users        map[string][]int    // module dir (even a missing one) → projects reaching it
	globs        [][]absGlob         // per project: when_modified as repo-relative globs
	byName       map[string]int      // project name → index in Projects
	projectDirs  map[string]bool     // dirs of Projects
}

type edge struct {
	target string
	views  int
	exists bool
}

// Loader loads indexes and remembers directory scans by tree hash across
// loads. It is safe for concurrent use.
type Loader struct {
	mu    sync.Mutex
	cache map[string]*dirScan
}

// NewLoader returns a Loader with an empty cache.
func NewLoader() *Loader { return &Loader{cache: map[string]*dirScan{}} }

// Load indexes fsys with a fresh Loader.
func Load(fsys fs.FS) (*Index, error) { return NewLoader().Load(fsys) }

// Load reads plumb.yaml and every directory of fsys, discovers projects and
// builds the module graph. It always returns a usable Index; the error is an
// EINVALID plumb.Error listing plumb.yaml's problems when it has any (Terraform
// file problems are only in Index.Problems), or an error reading fsys.
func (l *Loader) Load(fsys fs.FS) (*Index, error) {
	idx := &Index{dirs: map[string]*dirScan{}, edges: map[string][]edge{}, users: map[string][]int{}}
	cfgErrs, err := idx.loadConfig(fsys)
	if err != nil {
		return idx, err
	}
	if err := l.scan(fsys, idx); err != nil {
		return idx, err
	}
	idx.graph(fsys)
	cfgErrs = append(cfgErrs, idx.discover(fsys)...)
	idx.Problems = append(idx.Problems, cfgErrs...)
	idx.Problems.sort()
	if err := idx.finish(); err != nil {
		return idx, err
	}
	return idx, cfgErrs.Err()
}

func (idx *Index) loadConfig(fsys fs.FS) (ConfigErrors, error) {
	data, err := fs.ReadFile(fsys, ConfigFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", ConfigFile, err)
	}
	cfg, errs := ParseConfig(ConfigFile, data)
	idx.Config, idx.configBroken = cfg, cfg == nil
	return errs, nil
}

// pending is a directory to scan: its files are listed, not yet parsed.
type pending struct {
	dir, hash string
	scan      *dirScan
}

// scan walks fsys, then parses the directories not in the cache in
// parallel, bounded by GOMAXPROCS.
func (l *Loader) scan(fsys fs.FS, idx *Index) error {
	hasher, _ := fsys.(TreeHasher)
	var todo []pending
	var walk func(dir string) error
	walk = func(dir string) error {
		entries, err := fs.ReadDir(fsys, dir)
		if err != nil {
			return fmt.Errorf("read %s: %w", dir, err)
		}
		p := pending{dir: dir}
		if hasher != nil {
			p.hash, _ = hasher.DirHash(dir)
		}
		if cached := l.cached(p.hash); cached != nil {
			p.scan = cached
		}
		s := &dirScan{}
		for _, e := range entries {
			name := e.Name()
			switch {
			case e.IsDir():
				if name == ".git" || name == ".terraform" {
					continue
				}
				if err := walk(path.Join(dir, name)); err != nil {
					return err
				}
			case e.Type().IsRegular() && p.scan == nil && s.classify(name):
				s.files = append(s.files, name)
			}
		}
		if p.scan == nil {
			p.scan = s
			todo = append(todo, p)
		} else {
			idx.dirs[dir] = p.scan
		}
		return nil
	}
	if err := walk("."); err != nil {
		return err
	}
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for _, p := range todo {
		if len(p.scan.files) > 0 {
			g.Go(func() error { scanDir(fsys, p.dir, p.scan); return nil })
		}
	}
	_ = g.Wait() // scanDir records errors in the scan; it never fails
	l.mu.Lock()
	for _, p := range todo {
		idx.dirs[p.dir] = p.scan
		if p.hash != "" {
			l.cache[p.hash] = p.scan
		}
	}
	l.mu.Unlock()
	for dir, s := range idx.dirs {
		if len(s.files) == 0 {
			delete(idx.dirs, dir)
		}
		for _, e := range s.errs {
			if e.File == "" {
				e.File = dir
			} else {
				e.File = path.Join(dir, e.File)
			}
			idx.Problems = append(idx.Problems, e)
		}
	}
	return nil
}

func (l *Loader) cached(hash string) *dirScan {
	if hash == "" {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cache[hash]
}

// finish orders the projects and precomputes what Affected needs.
func (idx *Index) finish() error {
	var envs []string
	if idx.Config != nil {
		envs = idx.Config.Environments
	}
	ordered, err := Order(idx.Projects, envs)
	if err != nil {
		return err
	}
	idx.Projects = ordered
	idx.reach = make([]map[string]string, len(ordered))
	idx.globs = make([][]absGlob, len(ordered))
	idx.byName, idx.projectDirs = map[string]int{}, map[string]bool{}
	for i := range idx.Projects {
		p := &idx.Projects[i]
		idx.byName[p.Name], idx.projectDirs[p.Dir] = i, true
		idx.reach[i] = idx.walkModules(p.Dir, p.Engine)
		p.Modules = []string{}
		for m := range idx.reach[i] {
			idx.users[m] = append(idx.users[m], i)
			if idx.dirs[m] != nil {
				p.Modules = append(p.Modules, m)
			}
		}
		sort.Strings(p.Modules)
		idx.globs[i] = compileGlobs(p.Dir, p.WhenModified)
	}
	return nil
}
