package pgcluster

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// BinGlob is where the server binaries are looked for, newest version
// first; PLUMB_PG_BIN_DIR, when set, is used instead.
const BinGlob = "/usr/lib/postgresql/*/bin"

// Options say how the cluster differs from the server's defaults.
type Options struct {
	// Prefix names its temp dir (os.TempDir()/PREFIX*), which RemoveStale
	// looks for.
	Prefix string
	// Fast turns off the server's flushes (fsync, synchronous_commit,
	// full_page_writes; initdb --no-sync), as tests want. The bench keeps
	// them: SQLite commits with synchronous=FULL, and a PostgreSQL that
	// skips its flushes would win by not doing the same work.
	Fast bool
	// Settings are more -c name=value settings.
	Settings []string
}

// Cluster is one running cluster.
type Cluster struct {
	root string // temp dir: data/, the socket, the log
	log  string
	port int
	proc *os.Process
	done chan struct{} // closed when the server process exits

	mu sync.Mutex // serializes Exec
}

// FindBin returns the directory holding initdb and postgres, or "".
func FindBin() string {
	if dir := os.Getenv("PLUMB_PG_BIN_DIR"); dir != "" {
		return dir
	}
	dirs, _ := filepath.Glob(BinGlob)
	version := func(dir string) int {
		n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
		return n
	}
	slices.SortFunc(dirs, func(a, b string) int { return version(b) - version(a) })
	for _, dir := range dirs {
		if isExec(filepath.Join(dir, "initdb")) && isExec(filepath.Join(dir, "postgres")) {
			return dir
		}
	}
	return ""
}

func isExec(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// RemoveStale removes the clusters under prefix of processes that were
// killed (their server died with them, their files stayed): those older
// than ten minutes whose server is gone.
func RemoveStale(prefix string) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), prefix+"*"))
	for _, dir := range dirs {
		fi, err := os.Stat(dir)
		if err != nil || time.Since(fi.ModTime()) < 10*time.Minute {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid")); err == nil {
			pid, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
			if pid > 0 && syscall.Kill(pid, 0) == nil {
				continue // still running
			}
		}
		os.RemoveAll(dir)
	}
}

// Start makes a cluster with initdb and starts its server on a free port.
func Start(bin string, opt Options) (*Cluster, error) {
	cred, err := serverUser()
	if err != nil {
		return nil, err
	}
	root, err := os.MkdirTemp("", opt.Prefix)
	if err != nil {
		return nil, err
	}
	c := &Cluster{root: root, log: filepath.Join(root, "server.log"), done: make(chan struct{})}
	fail := func(err error) (*Cluster, error) {
		c.Stop()
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(root, int(cred.Uid), int(cred.Gid)); err != nil {
			return fail(err)
		}
	}
	data := filepath.Join(root, "data")
	args := []string{"-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8"}
	settings := []string{"listen_addresses=127.0.0.1"}
	if opt.Fast {
		args = append(args, "--no-sync")
		settings = append(settings, "fsync=off", "synchronous_commit=off", "full_page_writes=off")
	}
	initdb := exec.Command(filepath.Join(bin, "initdb"), args...)
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return fail(fmt.Errorf("initdb: %v\n%s", err, out))
	}
	// A port that was free a moment ago may be taken by the time the
	// server binds it (other processes start clusters too): try again.
	for attempt := 0; ; attempt++ {
		err := c.run(bin, data, cred, append(settings, opt.Settings...))
		if err == nil {
			return c, nil
		}
		if attempt == 4 {
			return fail(err)
		}
	}
}

// serverUser is the postgres user's credential when running as root (the
// server refuses to run as root), nil otherwise.
func serverUser() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, the server must run as user postgres: %w", err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}
