package engine

import (
	"bytes"
	"cmp"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/internal/releasetest"
	"github.com/plumbhq/plumb/internal/testenv"
)

// fetchBundle is one test's release mirror and a Fetcher on a fresh
// cache that trusts the mirror's key.
type fetchBundle struct {
	f      *Fetcher
	mirror *releasetest.Mirror
	key    *releasetest.Key
	logs   *syncBuffer
}

func setupFetch(t *testing.T, rels ...releasetest.Release) *fetchBundle {
	t.Helper()
	key := releasetest.NewKey(t)
	m := releasetest.NewMirror(t, key, rels...)
	logs := &syncBuffer{}
	f := &Fetcher{
		Dir:       filepath.Join(t.TempDir(), "engines"),
		Terraform: Source{URL: m.TerraformURL(), KeyFile: key.File},
		Tofu:      Source{URL: m.TofuURL(), KeyFile: key.File},
		Logger:    slog.New(slog.NewTextHandler(io.MultiWriter(t.Output(), logs), &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	return &fetchBundle{f: f, mirror: m, key: key, logs: logs}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// built is the release of an engine `make tools` built: the binary behind
// the tools dir's bin/ link, whose directory is its version
// (.tools/cache/<engine>/<version>/<engine>).
func built(t *testing.T, engine string) releasetest.Release {
	t.Helper()
	tl := testenv.Load(t) // skips, or fails under CI=true, without the tools
	link := map[string]string{"tofu": tl.Tofu, "terraform": tl.Terraform}[engine]
	real, err := filepath.EvalSymlinks(link)
	if err != nil {
		t.Fatal(err)
	}
	return releasetest.Release{Engine: engine, Version: filepath.Base(filepath.Dir(real)), Binary: real}
}

func countSuffix(paths []string, suffix string) int {
	n := 0
	for _, p := range paths {
		if strings.HasSuffix(p, suffix) {
			n++
		}
	}
	return n
}

// TestFetchDownloadsVerifiesAndCaches runs both layouts with the real
// engines: two projects asking at once download once; the binary is
// cached and runs; the next call needs no network.
func TestFetchDownloadsVerifiesAndCaches(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"tofu", "terraform"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			rel := built(t, engine)
			older := releasetest.Release{Engine: engine, Version: "1.0.0", Binary: releasetest.Script(t, t.TempDir(), "1.0.0")}
			b := setupFetch(t, rel, older)
			ctx := context.Background()
			var wg sync.WaitGroup
			bins := make([]Binary, 2)
			errs := make([]error, 2)
			for i := range bins {
				wg.Go(func() { bins[i], errs[i] = b.f.Fetch(ctx, plumb.Engine(engine), ">= 1.1") })
			}
			wg.Wait()
			for i := range bins {
				if errs[i] != nil {
					t.Fatalf("fetch %d: %v", i, errs[i])
				}
				if bins[i].VersionString() != rel.Version || bins[i].Path != filepath.Join(b.f.Dir, engine, rel.Version, engine) {
					t.Fatalf("fetch %d: %+v, want %s %s in the cache", i, bins[i], engine, rel.Version)
				}
			}
			if n := countSuffix(b.mirror.Requests(), ".zip"); n != 1 {
				t.Errorf("the archive was downloaded %d times, want once: %q", n, b.mirror.Requests())
			}
			if v, err := binaryVersion(ctx, bins[0].Path); err != nil || v.String() != rel.Version {
				t.Errorf("the cached binary reports %v, %v", v, err)
			}
			for _, want := range []string{"engine not installed: downloading it", "engine download started", "engine download done", "engine verified and cached"} {
				if !strings.Contains(b.logs.String(), want) {
					t.Errorf("the log lacks %q", want)
				}
			}

			before := len(b.mirror.Requests())
			again, err := b.f.Fetch(ctx, plumb.Engine(engine), ">= 1.1")
			if err != nil || again.Path != bins[0].Path {
				t.Fatalf("second fetch: %+v, %v", again, err)
			}
			if got := b.mirror.Requests()[before:]; len(got) != 0 {
				t.Errorf("a cached engine was fetched again: %q", got)
			}
			// An older constraint gets the older release, beside the newer.
			old, err := b.f.Fetch(ctx, plumb.Engine(engine), "< 1.1")
			if err != nil || old.VersionString() != "1.0.0" {
				t.Fatalf("older release: %+v, %v", old, err)
			}
			if got := len(b.f.Cached(plumb.Engine(engine))); got != 2 {
				t.Errorf("cache holds %d binaries, want 2", got)
			}
		})
	}
}

// TestFetchRefuses: whatever is wrong with a release, the error names
// what failed and its URL, and nothing is cached or left half-written.
func TestFetchRefuses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// bin is the version the archived binary reports (default 1.2.3).
		bin    string
		break_ func(t *testing.T, b *fetchBundle, engine string)
		want   []string // in the error, besides the mirror's URL
	}{
		{"tampered archive", "", func(t *testing.T, b *fetchBundle, e string) {
			overwrite(t, b.mirror.Files(e, "1.2.3").Archive, []byte("PK\x03\x04 not the archive that was signed"))
		}, []string{"refused", "sha256", ".zip"}},
		{"bad signature", "", func(t *testing.T, b *fetchBundle, e string) {
			for _, sig := range sigFiles(t, b.mirror.Files(e, "1.2.3").Signature) {
				overwrite(t, sig, b.key.Sign(t, []byte("some other SHA256SUMS")))
			}
		}, []string{"refused", "signature", "SHA256SUMS"}},
		{"tampered checksums", "", func(t *testing.T, b *fetchBundle, e string) {
			f := b.mirror.Files(e, "1.2.3").Sums
			body, _ := os.ReadFile(f)
			overwrite(t, f, append(body, "0000000000000000000000000000000000000000000000000000000000000000  extra.zip\n"...))
		}, []string{"refused", "signature", "SHA256SUMS"}},
		{"missing signature", "", func(t *testing.T, b *fetchBundle, e string) {
			for _, sig := range sigFiles(t, b.mirror.Files(e, "1.2.3").Signature) {
				os.Remove(sig)
			}
		}, []string{"refused", "signature", "404"}},
		{"wrong key", "", func(t *testing.T, b *fetchBundle, e string) {
			other := releasetest.NewKey(t)
			b.f.Terraform.KeyFile, b.f.Tofu.KeyFile = other.File, other.File
		}, []string{"refused", "signature", "does not verify with the key in"}},
		{"a signed archive of another version", "1.2.2", func(*testing.T, *fetchBundle, string) {}, []string{"refused", "reports version 1.2.2"}},
	}
	for _, engine := range []string{"tofu", "terraform"} {
		for _, c := range cases {
			t.Run(engine+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				bin := cmp.Or(c.bin, "1.2.3")
				b := setupFetch(t, releasetest.Release{Engine: engine, Version: "1.2.3", Binary: releasetest.Script(t, t.TempDir(), bin)})
				c.break_(t, b, engine)
				_, err := b.f.Fetch(context.Background(), plumb.Engine(engine), "= 1.2.3")
				if err == nil {
					t.Fatal("fetched a broken release")
				}
				for _, want := range append(c.want, b.mirror.URL()) {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error lacks %q: %v", want, err)
					}
				}
				if code := plumb.ErrorCode(err); code != plumb.EINVALID {
					t.Errorf("code %s, want %s (a refused release is no retryable failure)", code, plumb.EINVALID)
				}
				left, _ := os.ReadDir(filepath.Join(b.f.Dir, engine))
				if len(left) != 0 || len(b.f.Cached(plumb.Engine(engine))) != 0 {
					t.Errorf("the cache holds %v after a refusal", left)
				}
			})
		}
	}
}

func overwrite(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// sigFiles is a release's signature and its per-key copy (HashiCorp
// publishes both; hc-install takes either).
func sigFiles(t *testing.T, sig string) []string {
	t.Helper()
	all, _ := filepath.Glob(strings.TrimSuffix(strings.TrimSuffix(sig, ".sig"), ".gpgsig") + ".*sig")
	if len(all) == 0 {
		t.Fatalf("no signature files beside %s", sig)
	}
	return all
}

func TestFetchNoMatchingRelease(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"tofu", "terraform"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			var rels []releasetest.Release
			for _, v := range []string{"1.8.5", "1.9.1", "1.10.0"} {
				rels = append(rels, releasetest.Release{Engine: engine, Version: v, Binary: releasetest.Script(t, dir, v)})
			}
			b := setupFetch(t, rels...)
			_, err := b.f.Fetch(context.Background(), plumb.Engine(engine), ">= 2.0")
			want := `no ` + engine + ` release satisfies ">= 2.0" at ` + b.mirror.URL()
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "it has 1.10.0, 1.9.1, 1.8.5") {
				t.Fatalf("error %v, want %q and the versions, newest first", err, want)
			}
			if code := plumb.ErrorCode(err); code != plumb.ENOTFOUND {
				t.Errorf("code %s, want %s", code, plumb.ENOTFOUND)
			}
			if n := countSuffix(b.mirror.Requests(), ".zip") + countSuffix(b.mirror.Requests(), "SHA256SUMS"); n != 0 {
				t.Errorf("fetched release files with nothing to fetch: %q", b.mirror.Requests())
			}
		})
	}
}

// OpenTofu's key is nowhere in plumb: without one configured the error
// says where to get it, before any request.
func TestFetchTofuNeedsAKey(t *testing.T) {
	t.Parallel()
	b := setupFetch(t, releasetest.Release{Engine: "tofu", Version: "1.2.3", Binary: releasetest.Script(t, t.TempDir(), "1.2.3")})
	b.f.Tofu.KeyFile = ""
	_, err := b.f.Fetch(context.Background(), plumb.EngineTofu, "")
	if err == nil || !strings.Contains(err.Error(), "--tofu-releases-pubkey") || !strings.Contains(err.Error(), tofuKeyURL) {
		t.Fatalf("error %v, want it to name the flag and %s", err, tofuKeyURL)
	}
	if got := b.mirror.Requests(); len(got) != 0 {
		t.Errorf("requests without a key: %q", got)
	}
}

// A mirror per OpenTofu's mirror specification serves only the .tar.gz.
func TestFetchTofuTarGz(t *testing.T) {
	t.Parallel()
	b := setupFetch(t, releasetest.Release{Engine: "tofu", Version: "1.2.3", Binary: releasetest.Script(t, t.TempDir(), "1.2.3"), TarGz: true})
	bin, err := b.f.Fetch(context.Background(), plumb.EngineTofu, "~> 1.2")
	if err != nil || bin.VersionString() != "1.2.3" {
		t.Fatalf("fetch: %+v, %v", bin, err)
	}
	if !slices.ContainsFunc(b.mirror.Requests(), func(p string) bool { return strings.HasSuffix(p, ".tar.gz") }) {
		t.Errorf("no .tar.gz fetched: %q", b.mirror.Requests())
	}
}

// A mirror's credentials in its URL never reach an error or the log
// (hc-install's debug lines included).
func TestFetchKeepsMirrorCredentialsOut(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"tofu", "terraform"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			b := setupFetch(t, releasetest.Release{Engine: engine, Version: "1.2.3", Binary: releasetest.Script(t, t.TempDir(), "1.2.3")})
			withPass := func(u string) string { return strings.Replace(u, "http://", "http://plumb:mirror-pass-77@", 1) }
			b.f.Tofu.URL, b.f.Terraform.URL = withPass(b.mirror.TofuURL()), withPass(b.mirror.TerraformURL())
			if _, err := b.f.Fetch(context.Background(), plumb.Engine(engine), "= 1.2.3"); err != nil {
				t.Fatal(err)
			}
			_, err := b.f.Fetch(context.Background(), plumb.Engine(engine), ">= 2")
			if err == nil || strings.Contains(err.Error(), "mirror-pass-77") || !strings.Contains(err.Error(), "plumb:xxxxx@") {
				t.Errorf("error %v: want the URL without its password", err)
			}
			b.f.Tofu.URL, b.f.Terraform.URL = withPass(b.mirror.URL()+"/nowhere"), withPass(b.mirror.URL()+"/nowhere")
			if _, err := b.f.Fetch(context.Background(), plumb.Engine(engine), ">= 2"); err == nil || strings.Contains(err.Error(), "mirror-pass-77") {
				t.Errorf("error %v: want one without the password", err)
			}
			if strings.Contains(b.logs.String(), "mirror-pass-77") {
				t.Errorf("the log holds the mirror's password:\n%s", b.logs.String())
			}
		})
	}
}
