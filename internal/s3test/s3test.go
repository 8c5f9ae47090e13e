package s3test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The server's credentials: Start exports them as the AWS chain's
// environment, so code under test finds them as it would in production.
const (
	AccessKey = "plumbtest"
	SecretKey = "plumbtest-secret-key"
	Region    = "us-east-1"
)

var (
	once     sync.Once
	endpoint string
	missing  string
	errOf    error
	seq      atomic.Int64
)

// Endpoint starts the server on first use and returns its base URL. It
// skips t when MinIO is not installed (fails it with CI=true).
func Endpoint(t testing.TB) string {
	t.Helper()
	once.Do(start)
	if missing != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("s3test: %s; CI must run the S3 tests: run `make tools` (builds MinIO)", missing)
		}
		t.Skipf("s3test: %s; run `make tools` (builds MinIO) to run this test", missing)
	}
	if errOf != nil {
		t.Fatalf("s3test: %v", errOf)
	}
	return endpoint
}

// Bucket creates an empty bucket of t's own and returns its name.
func Bucket(t testing.TB) string {
	t.Helper()
	ep := Endpoint(t)
	name := fmt.Sprintf("plumb-test-%d-%d", os.Getpid(), seq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := Client(ep).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("s3test: create bucket %s: %v", name, err)
	}
	return name
}

// Client is a plain S3 client of the server, for tests that look at what
// was stored.
func Client(endpoint string) *s3.Client {
	return s3.New(s3.Options{Region: Region, BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, "")})
}

// binary is MinIO as make tools installs it.
func binary() string {
	if p := os.Getenv("PLUMB_MINIO"); p != "" {
		return p
	}
	dir := os.Getenv("PLUMB_TOOLS_DIR")
	if dir == "" {
		// From a package dir inside the repo: find .tools above it.
		wd, _ := os.Getwd()
		for d := wd; d != filepath.Dir(d); d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, ".tools")); err == nil {
				dir = filepath.Join(d, ".tools")
				break
			}
		}
	}
	return filepath.Join(dir, "minio")
}

func start() {
	bin := binary()
	if _, err := os.Stat(bin); err != nil {
		missing = "no MinIO server at " + bin
		return
	}
	for _, k := range [][2]string{{"AWS_ACCESS_KEY_ID", AccessKey}, {"AWS_SECRET_ACCESS_KEY", SecretKey}, {"AWS_REGION", Region}} {
		os.Setenv(k[0], k[1])
	}
	endpoint, errOf = run(bin)
}

// removeStale removes the data dirs of servers whose test binary was
// killed or ended (the server died with it, its files stayed).
func removeStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "plumb-minio-*"))
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err == nil && time.Since(fi.ModTime()) > 30*time.Minute {
			os.RemoveAll(dir)
		}
	}
}

func run(bin string) (string, error) {
	removeStale()
	data, err := os.MkdirTemp("", "plumb-minio-")
	if err != nil {
		return "", err
	}
	port, console := freePort(), freePort()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	logf, err := os.Create(filepath.Join(data, "minio.log"))
	if err != nil {
		return "", err
	}
	cmd := exec.Command(bin, "server", filepath.Join(data, "data"), "--address", addr,
		"--console-address", "127.0.0.1:"+strconv.Itoa(console), "--quiet")
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+AccessKey, "MINIO_ROOT_PASSWORD="+SecretKey,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off")
	cmd.Stdout, cmd.Stderr = logf, logf
	// Pdeathsig fires when the starting thread exits: start from a thread
	// kept until the server exits, so only the test binary's death stops it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
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
		return "", fmt.Errorf("start %s: %w", bin, err)
	}
	url := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			log, _ := os.ReadFile(logf.Name())
			return "", fmt.Errorf("minio exited at start:\n%s", log)
		default:
		}
		if answers(url) {
			return url, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	log, _ := os.ReadFile(logf.Name())
	return "", fmt.Errorf("minio not ready after 60 s:\n%s", log)
}

// answers says whether the server at url takes S3 calls. Its health
// endpoint is not enough: on a loaded machine it answered 200 while
// CreateBucket still got 503 XMinioServerNotInitialized.
func answers(url string) bool {
	resp, err := http.Get(url + "/minio/health/ready")
	if err != nil {
		return false
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = Client(url).ListBuckets(ctx, &s3.ListBucketsInput{}, func(o *s3.Options) { o.RetryMaxAttempts = 1 })
	return err == nil
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
