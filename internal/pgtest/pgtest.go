package pgtest

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// binGlob is where the server binaries are looked for, newest version
// first; PLUMB_PG_BIN_DIR, when set, is used instead.
const binGlob = "/usr/lib/postgresql/*/bin"

var (
	once    sync.Once
	cluster *server
	errOf   error // why the cluster could not start
	missing string
	dbSeq   atomic.Int64
)

// URL returns the postgres:// URL of a new, empty database of its own for
// t, starting the cluster on first use. Options are CREATE DATABASE
// clauses (e.g. "TEMPLATE template0", "LOCALE_PROVIDER icu",
// "ICU_LOCALE 'en-US'"). It skips t when PostgreSQL is not installed
// (fails it with CI=true) and fails it when the cluster cannot start.
func URL(t testing.TB, options ...string) string {
	t.Helper()
	once.Do(start)
	if missing != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pgtest: %s; CI must run the PostgreSQL tests: run `make tools` (installs Debian's postgresql)", missing)
		}
		t.Skipf("pgtest: %s; run `make tools` (installs Debian's postgresql) to run this test", missing)
	}
	if errOf != nil {
		t.Fatalf("pgtest: %v", errOf)
	}
	name := fmt.Sprintf("plumb_test_%d", dbSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cluster.exec(ctx, strings.Join(append([]string{`CREATE DATABASE`, name}, options...), " ")); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	return cluster.url(name)
}

// Run runs the tests, then stops the cluster (if one was started) and
// removes its files. It returns m.Run's exit code.
func Run(m *testing.M) int {
	code := m.Run()
	Stop()
	return code
}

// Stop stops the cluster and removes its files; URL must not be called
// after it.
func Stop() {
	if cluster != nil {
		cluster.stop()
	}
}

// server is one running cluster.
type server struct {
	root string // temp dir: data/, the socket, the log
	port int
	proc *os.Process
	done chan struct{} // closed when the server process exits
	log  string

	mu sync.Mutex // serializes admin statements
}

func (s *server) url(db string) string {
	u := url.URL{Scheme: "postgres", User: url.User("postgres"), Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)),
		Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}

// exec runs one statement on the postgres database.
func (s *server) exec(ctx context.Context, sql string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	conn, err := pgx.Connect(ctx, s.url("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// findBin returns the directory holding initdb and postgres.
func findBin() string {
	if dir := os.Getenv("PLUMB_PG_BIN_DIR"); dir != "" {
		return dir
	}
	dirs, _ := filepath.Glob(binGlob)
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

func start() {
	bin := findBin()
	if bin == "" {
		missing = "no PostgreSQL server binaries (initdb, postgres) in " + binGlob
		return
	}
	removeStale()
	cluster, errOf = startIn(bin)
}

// removeStale removes the clusters of test binaries that were killed
// (their server died with them, their files stayed): those older than
// ten minutes whose server is gone.
func removeStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "plumb-pg-*"))
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

// startIn makes a cluster with initdb and starts its server on a free
// port, as the postgres user when running as root (the server refuses to
// run as root).
func startIn(bin string) (*server, error) {
	cred, err := serverUser()
	if err != nil {
		return nil, err
	}
	root, err := os.MkdirTemp("", "plumb-pg-")
	if err != nil {
		return nil, err
	}
	s := &server{root: root, log: filepath.Join(root, "server.log"), done: make(chan struct{})}
	fail := func(err error) (*server, error) {
		s.stop()
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(root, int(cred.Uid), int(cred.Gid)); err != nil {
			return fail(err)
		}
	}
	data := filepath.Join(root, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return fail(fmt.Errorf("initdb: %v\n%s", err, out))
	}
	// A port that was free a moment ago may be taken by the time the
	// server binds it (other test binaries start clusters too): try again.
	for attempt := 0; ; attempt++ {
		err := s.run(bin, data, cred)
		if err == nil {
			return s, nil
		}
		if attempt == 4 {
			return fail(err)
		}
	}
}

// serverUser is the postgres user's credential when running as root, nil
// otherwise (the server then runs as the current user).
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

// run starts the server on a free port and waits until it takes
// connections.
func (s *server) run(bin, data string, cred *syscall.Credential) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	logf, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o666)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(port), "-k", s.root,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=300", "-c", "shared_buffers=32MB")
	cmd.Stdout, cmd.Stderr = logf, logf
	// Pdeathsig fires when the thread that started the child exits, so
	// the child is started from a thread kept until the server exits: then
	// only the test binary's death stops the server early (SIGQUIT: an
	// immediate shutdown, which takes its backends with it).
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT}
	started := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			close(done)
			return
		}
		started <- nil
		cmd.Wait()
		close(done)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	s.port, s.proc, s.done = port, cmd.Process, done
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := s.exec(ctx, `SELECT 1`)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-done:
			out, _ := os.ReadFile(s.log)
			return fmt.Errorf("postgres exited at start:\n%s", lastLines(string(out), 20))
		default:
		}
		if time.Now().After(deadline) {
			s.kill()
			out, _ := os.ReadFile(s.log)
			return fmt.Errorf("postgres did not take connections within 60 s: %v\n%s", err, lastLines(string(out), 20))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop shuts the server down (fast: disconnects clients) and removes the
// cluster's files.
func (s *server) stop() {
	if s.proc != nil {
		s.proc.Signal(syscall.SIGINT)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			s.kill()
		}
	}
	os.RemoveAll(s.root)
}

func (s *server) kill() {
	s.proc.Kill()
	<-s.done
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
