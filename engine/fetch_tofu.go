package engine

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/hashicorp/go-version"

	"github.com/plumbhq/plumb"
)

// Where OpenTofu publishes its signing key (as TofuDL, OpenTofu's own
// downloader, documents it), named in the error that asks for it: plumb
// has no copy, and fetching a key over the same network as the release
// would prove nothing.
const (
	tofuKeyURL         = "https://get.opentofu.org/opentofu.asc"
	tofuKeyFingerprint = "E3E6E43D84CB852EADB0051D0C0AF313E5FD9F80"
)

// Size limits for what a release site sends: generous for the real files,
// small enough that a broken mirror cannot fill memory or the disk.
const (
	maxIndex     = 64 << 20
	maxSums      = 1 << 20
	maxSignature = 64 << 10
	maxBinary    = 2 << 30
)

// tofuReleases is OpenTofu's GitHub releases layout. Versions come from an
// index in get.opentofu.org/tofu/api.json's format, the list OpenTofu's
// installer and setup-opentofu read: GitHub's API is rate-limited, and a
// mirror is more easily a directory of files with one JSON index than an
// API. SHA256SUMS is signed with GPG (.gpgsig, checked here) and with
// cosign (.sig, not checked: it needs Sigstore's online services).
type tofuReleases struct {
	src  Source
	http *httpGetter
	keys keyRing
}

func (t *tofuReleases) base() string {
	if t.src.URL != "" {
		return strings.TrimRight(t.src.URL, "/")
	}
	return DefaultTofuURL
}

func (t *tofuReleases) index() string {
	switch {
	case t.src.Index != "":
		return t.src.Index
	case t.src.URL != "" && t.base() != DefaultTofuURL:
		return t.base() + "/api.json" // a mirror keeps its list beside the files
	}
	return DefaultTofuIndex
}

func (t *tofuReleases) list(ctx context.Context) ([]*version.Version, string, error) {
	url := t.index()
	b, err := t.http.small(ctx, url, maxIndex)
	if err != nil {
		return nil, redactString(url), errNetwork(redactString(url), err)
	}
	var idx struct {
		Versions []struct {
			ID string `json:"id"`
		} `json:"versions"`
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, redactString(url), plumb.Errorf(plumb.EINVALID, "OpenTofu version index %s: %v", redactString(url), err)
	}
	var out []*version.Version
	for _, v := range idx.Versions {
		if pv, err := version.NewVersion(strings.TrimPrefix(v.ID, "v")); err == nil {
			out = append(out, pv)
		}
	}
	return out, redactString(url), nil
}

// install checks SHA256SUMS's signature, then downloads this platform's
// archive (.zip, else .tar.gz: OpenTofu's mirror specification asks
// mirrors for the .tar.gz only), checks its sha256 against the signed
// one and unpacks the binary.
func (t *tofuReleases) install(ctx context.Context, v *version.Version, dir string) error {
	vs := v.String()
	base := t.base() + "/v" + vs
	sumsURL := fmt.Sprintf("%s/tofu_%s_SHA256SUMS", base, vs)
	sigURL := sumsURL + ".gpgsig"
	shownSums, shownSig := redactString(sumsURL), redactString(sigURL)
	sums, err := t.http.small(ctx, sumsURL, maxSums)
	if err != nil {
		return errNetwork(shownSums, err)
	}
	sig, err := t.http.small(ctx, sigURL, maxSignature)
	var se *statusError
	if errors.As(err, &se) && se.code == http.StatusNotFound {
		return plumb.Errorf(plumb.EINVALID, "refused OpenTofu %s: no signature of %s at %s (%s)", vs, shownSums, shownSig, se.status)
	}
	if err != nil {
		return errNetwork(shownSig, err)
	}
	if err := t.keys.checkSignature(sums, sig, shownSums, shownSig); err != nil {
		return err
	}
	table, err := parseSums(sums, shownSums)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("tofu_%s_%s_%s.zip", vs, runtime.GOOS, runtime.GOARCH)
	if _, ok := table[name]; !ok {
		name = strings.TrimSuffix(name, ".zip") + ".tar.gz"
	}
	want, err := signedSum(table, name, shownSums)
	if err != nil {
		return err
	}
	archiveURL := base + "/" + name
	archive := filepath.Join(dir, ".archive")
	got, err := t.http.toFile(ctx, archiveURL, archive)
	if err != nil {
		return errNetwork(redactString(archiveURL), err)
	}
	if string(got) != string(want) {
		return errChecksum(redactString(archiveURL), shownSums, want, got)
	}
	bin := products[plumb.EngineTofu].BinaryName()
	if err := unpack(archive, strings.HasSuffix(name, ".zip"), bin, filepath.Join(dir, bin)); err != nil {
		return plumb.Errorf(plumb.EINVALID, "refused %s: %v", redactString(archiveURL), err)
	}
	return os.Remove(archive)
}

// unpack writes the archive's entry called name (at its top level, as
// the releases have it) to dst, executable. Only that one file is
// written, so no entry's path can reach outside the cache.
func unpack(archive string, isZip bool, name, dst string) error {
	if isZip {
		z, err := zip.OpenReader(archive)
		if err != nil {
			return err
		}
		defer z.Close()
		for _, f := range z.File {
			if f.Name == name && !f.FileInfo().IsDir() {
				r, err := f.Open()
				if err != nil {
					return err
				}
				defer r.Close()
				return writeBinary(r, dst)
			}
		}
		return fmt.Errorf("the archive has no %s", name)
	}
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return fmt.Errorf("the archive has no %s", name)
		}
		if err != nil {
			return err
		}
		if strings.TrimPrefix(h.Name, "./") == name && h.Typeflag == tar.TypeReg {
			return writeBinary(tr, dst)
		}
	}
}

func writeBinary(r io.Reader, dst string) error {
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o755)
	if err != nil {
		return err
	}
	n, err := io.Copy(out, io.LimitReader(r, maxBinary+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > maxBinary {
		err = fmt.Errorf("%s is over %d bytes", filepath.Base(dst), int64(maxBinary))
	}
	return err
}

func (t *tofuReleases) archive() string { return t.http.rec.fetched(".zip", ".tar.gz") }
