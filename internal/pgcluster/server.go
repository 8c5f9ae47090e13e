package pgcluster

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// run starts the server on a free port and waits until it takes
// connections.
func (c *Cluster) run(bin, data string, cred *syscall.Credential, settings []string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	logf, err := os.OpenFile(c.log, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o666)
	if err != nil {
		return err
	}
	defer logf.Close()
	args := []string{"-D", data, "-p", strconv.Itoa(port), "-k", c.root}
	for _, s := range settings {
		args = append(args, "-c", s)
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Pdeathsig fires when the thread that started the child exits, so
	// the child is started from a thread kept until the server exits: then
	// only its starter's death stops the server early (SIGQUIT: an
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
	c.port, c.proc, c.done = port, cmd.Process, done
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := c.Exec(ctx, `SELECT 1`)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-done:
			out, _ := os.ReadFile(c.log)
			return fmt.Errorf("postgres exited at start:\n%s", lastLines(string(out), 20))
		default:
		}
		if time.Now().After(deadline) {
			c.kill()
			out, _ := os.ReadFile(c.log)
			return fmt.Errorf("postgres did not take connections within 60 s: %v\n%s", err, lastLines(string(out), 20))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// URL is the postgres:// URL of database db, as the superuser.
func (c *Cluster) URL(db string) string {
	u := url.URL{Scheme: "postgres", User: url.User("postgres"), Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}

// Exec runs one statement on the postgres database.
func (c *Cluster) Exec(ctx context.Context, sql string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// Stop shuts the server down (fast: disconnects clients) and removes the
// cluster's files.
func (c *Cluster) Stop() {
	if c.proc != nil {
		c.proc.Signal(syscall.SIGINT)
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
			c.kill()
		}
	}
	os.RemoveAll(c.root)
}

func (c *Cluster) kill() {
	c.proc.Kill()
	<-c.done
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
