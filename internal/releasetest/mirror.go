package releasetest

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-version"
)

// Release is one engine version the mirror publishes.
type Release struct {
	Engine  string // "terraform" or "tofu"
	Version string // without a leading "v"
	Binary  string // the file archived under the engine's name
	// TarGz publishes a tofu release as .tar.gz only, the one artifact
	// OpenTofu's mirror specification (TofuDL's) requires, instead of .zip.
	TarGz bool
}

// Files are where one release's files live on disk, for a test to tamper
// with (write over them) or remove before the fetch.
type Files struct {
	Archive, Sums, Signature string
}

// Mirror is an HTTP server holding releases in both official layouts:
// Terraform's under TerraformURL, OpenTofu's under TofuURL.
type Mirror struct {
	Dir string // what is served; the layouts start at hashicorp/ and tofu/

	key      *Key
	srv      *httptest.Server
	files    map[string]Files // by engine + " " + version
	mu       sync.Mutex
	requests []string
}

// NewMirror publishes releases, signed with key, and serves them until the
// test ends. Each archive is written once per mirror (stored, not
// deflated: the checks are the same and a 100 MB binary takes a fraction
// of a second), so a test may tamper with its mirror's files freely.
func NewMirror(t testing.TB, key *Key, releases ...Release) *Mirror {
	t.Helper()
	m := &Mirror{Dir: t.TempDir(), key: key, files: map[string]Files{}}
	tfIndex := map[string]any{}
	var tofuIndex []tofuVersion
	for _, r := range releases {
		switch r.Engine {
		case "terraform":
			tfIndex[r.Version] = m.addTerraform(t, r)
		case "tofu":
			tofuIndex = append(tofuIndex, m.addTofu(t, r))
		default:
			t.Fatalf("releasetest: unknown engine %q", r.Engine)
		}
	}
	writeJSON(t, filepath.Join(m.Dir, "hashicorp", "terraform", "index.json"), map[string]any{"name": "terraform", "versions": tfIndex})
	// OpenTofu's index lists the newest first, as its specification asks.
	slices.SortFunc(tofuIndex, func(a, b tofuVersion) int {
		return version.Must(version.NewVersion(b.ID)).Compare(version.Must(version.NewVersion(a.ID)))
	})
	writeJSON(t, filepath.Join(m.Dir, "tofu", "api.json"), map[string]any{"versions": tofuIndex})
	m.srv = httptest.NewServer(m)
	t.Cleanup(m.srv.Close)
	return m
}

// URL is the server's root.
func (m *Mirror) URL() string { return m.srv.URL }

// TerraformURL is the base URL in releases.hashicorp.com's layout.
func (m *Mirror) TerraformURL() string { return m.srv.URL + "/hashicorp" }

// TofuURL is the base URL in the GitHub releases layout
// (<base>/v<version>/<file>); its api.json lists the versions.
func (m *Mirror) TofuURL() string { return m.srv.URL + "/tofu" }

// TofuIndexURL is the version list, in get.opentofu.org/tofu/api.json's format.
func (m *Mirror) TofuIndexURL() string { return m.TofuURL() + "/api.json" }

// Files returns where a published release's files are on disk.
func (m *Mirror) Files(engine, v string) Files { return m.files[engine+" "+v] }

// Requests lists the paths requested so far, in order.
func (m *Mirror) Requests() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.requests)
}

// ServeHTTP serves the files with the content types the official sites
// send: hc-install refuses an index that is not application/json and an
// archive that is not application/zip.
func (m *Mirror) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	m.requests = append(m.requests, r.URL.Path)
	m.mu.Unlock()
	switch {
	case strings.HasSuffix(r.URL.Path, ".json"):
		w.Header().Set("Content-Type", "application/json")
	case strings.HasSuffix(r.URL.Path, ".zip"):
		w.Header().Set("Content-Type", "application/zip")
	case strings.HasSuffix(r.URL.Path, ".tar.gz"):
		w.Header().Set("Content-Type", "application/gzip")
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	http.FileServer(http.Dir(m.Dir)).ServeHTTP(w, r)
}

func platform() string { return runtime.GOOS + "_" + runtime.GOARCH }

// addTerraform writes one version in releases.hashicorp.com's layout and
// returns its entry for the product index. The build's url points at the
// official site, as a verbatim copy of its index.json does: hc-install
// keeps only its path under the configured base URL.
func (m *Mirror) addTerraform(t testing.TB, r Release) map[string]any {
	t.Helper()
	dir := filepath.Join(m.Dir, "hashicorp", "terraform", r.Version)
	archive := fmt.Sprintf("terraform_%s_%s.zip", r.Version, platform())
	sum := writeZip(t, filepath.Join(dir, archive), "terraform", r.Binary)
	sums := fmt.Sprintf("terraform_%s_SHA256SUMS", r.Version)
	sig := sums + ".sig"
	f := m.publishSums(t, dir, sums, []string{sig, sums + "." + m.key.KeyID() + ".sig"}, archive, sum)
	f.Archive = filepath.Join(dir, archive)
	m.files["terraform "+r.Version] = f
	goos, goarch, _ := strings.Cut(platform(), "_")
	pv := map[string]any{
		"name": "terraform", "version": r.Version, "shasums": sums, "shasums_signature": sig,
		"shasums_signatures": []string{sums + "." + m.key.KeyID() + ".sig", sig},
		"builds": []map[string]string{{
			"name": "terraform", "version": r.Version, "os": goos, "arch": goarch, "filename": archive,
			"url": "https://releases.hashicorp.com/terraform/" + r.Version + "/" + archive,
		}},
	}
	writeJSON(t, filepath.Join(dir, "index.json"), pv)
	return pv
}

type tofuVersion struct {
	ID    string   `json:"id"`
	Files []string `json:"files"`
}

// addTofu writes one version in the GitHub releases layout and returns its
// api.json entry.
func (m *Mirror) addTofu(t testing.TB, r Release) tofuVersion {
	t.Helper()
	dir := filepath.Join(m.Dir, "tofu", "v"+r.Version)
	archive := fmt.Sprintf("tofu_%s_%s.zip", r.Version, platform())
	var sum string
	if r.TarGz {
		archive = strings.TrimSuffix(archive, ".zip") + ".tar.gz"
		sum = writeTarGz(t, filepath.Join(dir, archive), "tofu", r.Binary)
	} else {
		sum = writeZip(t, filepath.Join(dir, archive), "tofu", r.Binary)
	}
	sums := fmt.Sprintf("tofu_%s_SHA256SUMS", r.Version)
	f := m.publishSums(t, dir, sums, []string{sums + ".gpgsig"}, archive, sum)
	f.Archive = filepath.Join(dir, archive)
	m.files["tofu "+r.Version] = f
	return tofuVersion{ID: r.Version, Files: []string{archive, sums, sums + ".gpgsig"}}
}

// publishSums writes the SHA256SUMS file (with another platform's line
// beside ours, as the real ones have) and its signatures.
func (m *Mirror) publishSums(t testing.TB, dir, name string, sigs []string, archive, sum string) Files {
	t.Helper()
	other := strings.Replace(archive, platform(), "plan9_mips", 1)
	lines := []string{sum + "  " + archive, strings.Repeat("0", 64) + "  " + other}
	slices.SortFunc(lines, func(a, b string) int { return strings.Compare(a[66:], b[66:]) })
	body := []byte(strings.Join(lines, "\n") + "\n")
	writeFile(t, filepath.Join(dir, name), body)
	sig := m.key.Sign(t, body)
	for _, s := range sigs {
		writeFile(t, filepath.Join(dir, s), sig)
	}
	return Files{Sums: filepath.Join(dir, name), Signature: filepath.Join(dir, sigs[0])}
}

// writeZip archives bin as name (plus a LICENSE.txt, as the official
// archives have) and returns the archive's sha256 in hex.
func writeZip(t testing.TB, path, name, bin string) string {
	t.Helper()
	return writeArchive(t, path, func(w io.Writer) error {
		z := zip.NewWriter(w)
		for _, f := range []struct{ name, src string }{{"LICENSE.txt", ""}, {name, bin}} {
			h := &zip.FileHeader{Name: f.name, Method: zip.Store}
			h.SetMode(0o644)
			if f.src != "" {
				h.SetMode(0o755)
			}
			fw, err := z.CreateHeader(h)
			if err != nil {
				return err
			}
			if f.src == "" {
				_, err = io.WriteString(fw, "Test licence.\n")
			} else {
				err = copyFile(fw, f.src)
			}
			if err != nil {
				return err
			}
		}
		return z.Close()
	})
}

func writeTarGz(t testing.TB, path, name, bin string) string {
	t.Helper()
	fi, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	return writeArchive(t, path, func(w io.Writer) error {
		gz, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
		tw := tar.NewWriter(gz)
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: fi.Size(), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		if err := copyFile(tw, bin); err != nil {
			return err
		}
		if err := tw.Close(); err != nil {
			return err
		}
		return gz.Close()
	})
}

func writeArchive(t testing.TB, path string, write func(io.Writer) error) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	if err := write(io.MultiWriter(f, h)); err != nil {
		t.Fatalf("releasetest: archive %s: %v", path, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func writeJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, b)
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Script writes a stand-in engine binary into dir: a shell script that
// answers `version -json` with v. It stands for a release no `make tools`
// build exists for, where a test needs only its version.
func Script(t testing.TB, dir, v string) string {
	t.Helper()
	p := filepath.Join(dir, "engine-"+v)
	body := "#!/bin/sh\necho '{\"terraform_version\": \"" + v + "\"}'\n"
	if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}
