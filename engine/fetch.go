package engine

// Engines on demand (README-facing):
//
// When no installed engine meets a project's version constraint, the
// Fetcher downloads the newest release that does, verifies it and keeps
// it in the data dir (<Dir>/<engine>/<version>/<binary>), where later
// runs find it without the network. Verification is the projects' own:
// the archive's sha256 must be the one in the release's SHA256SUMS, and
// SHA256SUMS must carry a valid signature by the configured key
// (HashiCorp's, built into hc-install, by default; OpenTofu's must be
// configured, plumb has no copy of it). The binary must then report the
// version asked for. Anything else is refused with the URL that failed,
// and nothing is kept: the release is unpacked into a .partial-* dir that
// is renamed into place only once every check passed.

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-version"

	"github.com/plumbhq/plumb"
)

// The official release sites, used when a Source leaves them empty.
const (
	DefaultTerraformURL = "https://releases.hashicorp.com"
	DefaultTofuURL      = "https://github.com/opentofu/opentofu/releases/download"
	DefaultTofuIndex    = "https://get.opentofu.org/tofu/api.json"
)

// Source is where one engine's releases come from.
type Source struct {
	// URL is the releases' base URL: for Terraform in
	// releases.hashicorp.com's layout (<URL>/terraform/index.json,
	// <URL>/terraform/<v>/...), for OpenTofu in its GitHub releases'
	// (<URL>/v<v>/tofu_<v>_<os>_<arch>.zip, tofu_<v>_SHA256SUMS and
	// tofu_<v>_SHA256SUMS.gpgsig). "" is the official site.
	URL string
	// Index, for OpenTofu, is the version list in the format of
	// get.opentofu.org/tofu/api.json; "" is <URL>/api.json for a mirror,
	// that official list for the official URL. Terraform's is <URL>/terraform/index.json.
	Index string
	// KeyFile holds the OpenPGP public key(s), armoured or binary, that
	// sign SHA256SUMS. "" is HashiCorp's key (built into hc-install) for
	// Terraform; OpenTofu has no default and refuses to download without.
	KeyFile string
}

// Fetcher downloads engines on demand; see the comment at the top of this
// file. Use one per data dir, from any number of goroutines: concurrent
// fetches of one version download it once.
type Fetcher struct {
	Dir       string // the cache: <Dir>/<engine>/<version>/<binary>
	Terraform Source
	Tofu      Source
	Logger    *slog.Logger
	// Client makes the requests (nil: one with the environment's proxies).
	Client *http.Client
	// Timeout bounds one release's download and checks (default 15 minutes).
	Timeout time.Duration

	mu    sync.Mutex
	calls map[string]*call
}

// call is one download in progress, which later callers wait for.
type call struct {
	done chan struct{}
	bin  Binary
	err  error
	// abandoned: the caller that ran it was cancelled, which says
	// nothing about the release, so a waiter tries again itself.
	abandoned bool
}

// releaseSite is one engine's release site.
type releaseSite interface {
	// list returns the versions the site has and the URL it read them from.
	list(ctx context.Context) ([]*version.Version, string, error)
	// install puts the verified binary for v into dir, a new empty dir.
	install(ctx context.Context, v *version.Version, dir string) error
	// archive is the URL of the archive install fetched, or "".
	archive() string
}

// Fetch returns a binary of engine e that satisfies constraint (any
// stable version when it is empty): one downloaded before, else the newest
// matching release, downloaded, verified and cached. Its errors are
// EINVALID for a bad constraint, configuration or a release that fails
// verification, ENOTFOUND when no release matches (naming what exists),
// and EINTERNAL for a network failure.
func (f *Fetcher) Fetch(ctx context.Context, e plumb.Engine, constraint string) (Binary, error) {
	cs, err := parseConstraint(constraint)
	if err != nil {
		return Binary{}, err
	}
	if bin, ok := f.cached(e, cs); ok {
		return bin, nil
	}
	rel, err := f.site(e)
	if err != nil {
		return Binary{}, err
	}
	have, from, err := rel.list(ctx)
	if err != nil {
		return Binary{}, err
	}
	v := newest(have, cs)
	if v == nil {
		return Binary{}, plumb.Errorf(plumb.ENOTFOUND, "no %s release satisfies %q at %s; it has %s", e, constraintText(constraint), from, listVersions(have))
	}
	return f.once(ctx, string(e)+" "+v.String(), func() (Binary, error) {
		exact, _ := version.NewConstraint("= " + v.String())
		if bin, ok := f.cached(e, exact); ok { // another caller just finished it
			return bin, nil
		}
		return f.download(ctx, e, v, rel)
	})
}

// Cached lists the binaries of engine e in the cache. Only complete
// entries exist there (see download), so no binary is started to ask.
func (f *Fetcher) Cached(e plumb.Engine) []Binary {
	entries, _ := os.ReadDir(filepath.Join(f.Dir, string(e)))
	var out []Binary
	for _, ent := range entries {
		v, err := version.NewVersion(ent.Name())
		if !ent.IsDir() || err != nil || strings.HasPrefix(ent.Name(), ".") {
			continue
		}
		p := filepath.Join(f.Dir, string(e), ent.Name(), products[e].BinaryName())
		if _, err := os.Stat(p); err == nil {
			out = append(out, Binary{Engine: e, Version: v, Path: p})
		}
	}
	return out
}

func (f *Fetcher) cached(e plumb.Engine, cs version.Constraints) (Binary, bool) {
	var best *Binary
	bins := f.Cached(e)
	for i, b := range bins {
		if cs.Check(b.Version) && (best == nil || b.Version.GreaterThan(best.Version)) {
			best = &bins[i]
		}
	}
	if best == nil {
		return Binary{}, false
	}
	return *best, true
}

// once runs fn for key unless a call for it is running, whose result it
// then shares: two projects asking for one version download it once.
func (f *Fetcher) once(ctx context.Context, key string, fn func() (Binary, error)) (Binary, error) {
	for {
		f.mu.Lock()
		if f.calls == nil {
			f.calls = map[string]*call{}
		}
		c, running := f.calls[key]
		if !running {
			c = &call{done: make(chan struct{})}
			f.calls[key] = c
		}
		f.mu.Unlock()
		if running {
			select {
			case <-c.done:
				if c.abandoned {
					continue
				}
				return c.bin, c.err
			case <-ctx.Done():
				return Binary{}, ctx.Err()
			}
		}
		c.bin, c.err = fn()
		c.abandoned = c.err != nil && ctx.Err() != nil
		f.mu.Lock()
		delete(f.calls, key)
		f.mu.Unlock()
		close(c.done)
		return c.bin, c.err
	}
}

// download installs v into a fresh .partial-* dir beside its cache entry,
// checks the binary reports v, and renames the dir into place: the entry
// is complete or absent, whatever fails or whoever crashes when.
func (f *Fetcher) download(ctx context.Context, e plumb.Engine, v *version.Version, rel releaseSite) (Binary, error) {
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	parent := filepath.Join(f.Dir, string(e))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return Binary{}, fmt.Errorf("engine cache: %w", err)
	}
	removeStale(parent)
	tmp, err := os.MkdirTemp(parent, ".partial-"+v.String()+"-")
	if err != nil {
		return Binary{}, fmt.Errorf("engine cache: %w", err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	log := f.logger().With("engine", e, "version", v.String())
	log.Info("engine not installed: downloading it")
	start := time.Now()
	if err := rel.install(ctx, v, tmp); err != nil {
		log.Warn("engine download refused or failed", "err", err)
		return Binary{}, err
	}
	name := products[e].BinaryName()
	got, err := binaryVersion(ctx, filepath.Join(tmp, name))
	if err != nil {
		return Binary{}, plumb.Errorf(plumb.EINVALID, "refused %s %s from %s: its binary does not run: %v", e, v, rel.archive(), err)
	}
	if !got.Equal(v) {
		return Binary{}, plumb.Errorf(plumb.EINVALID, "refused %s %s from %s: its binary reports version %s", e, v, rel.archive(), got)
	}
	final := filepath.Join(parent, v.String())
	if err := os.Rename(tmp, final); err != nil {
		// Another plumb on this data dir may have put it there first.
		if _, serr := os.Stat(filepath.Join(final, name)); serr != nil {
			return Binary{}, fmt.Errorf("engine cache: %w", err)
		}
	}
	bin := Binary{Engine: e, Version: v, Path: filepath.Join(final, name)}
	log.Info("engine verified and cached", "path", bin.Path, "seconds", round2(time.Since(start).Seconds()))
	return bin, nil
}

// removeStale deletes .partial-* dirs a crashed plumb left behind. A day
// is far longer than any download, so a live one is never touched.
func removeStale(parent string) {
	old, _ := filepath.Glob(filepath.Join(parent, ".partial-*"))
	for _, p := range old {
		if fi, err := os.Stat(p); err == nil && time.Since(fi.ModTime()) > 24*time.Hour {
			os.RemoveAll(p)
		}
	}
}

// site is e's release site. Its key is read here, before anything
// is fetched, so a missing or unreadable key fails without the network.
func (f *Fetcher) site(e plumb.Engine) (releaseSite, error) {
	h := newGetter(f.Client, f.logger())
	switch e {
	case plumb.EngineTerraform:
		r := &terraformReleases{src: f.Terraform, http: h, log: f.logger()}
		if f.Terraform.KeyFile != "" {
			keys, err := readKeyRing(f.Terraform.KeyFile)
			if err != nil {
				return nil, err
			}
			r.keys = &keys
		}
		return r, nil
	case plumb.EngineTofu:
		if f.Tofu.KeyFile == "" {
			return nil, plumb.Errorf(plumb.EINVALID, "cannot verify an OpenTofu download: no signing key configured, and plumb has no copy of OpenTofu's. "+
				"Save OpenTofu's key from %s (fingerprint %s), or your mirror's, and pass it with --tofu-releases-pubkey FILE (PLUMB_TOFU_RELEASES_PUBKEY)", tofuKeyURL, tofuKeyFingerprint)
		}
		keys, err := readKeyRing(f.Tofu.KeyFile)
		if err != nil {
			return nil, err
		}
		return &tofuReleases{src: f.Tofu, http: h, keys: keys}, nil
	}
	return nil, plumb.Errorf(plumb.EINVALID, "unknown engine %q", e)
}

func (f *Fetcher) logger() *slog.Logger {
	if f.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return f.Logger
}

// parseConstraint parses a project's constraint; "" means any stable
// version (a nil go-version constraint would also admit pre-releases).
func parseConstraint(s string) (version.Constraints, error) {
	if strings.TrimSpace(s) == "" {
		s = ">= 0"
	}
	cs, err := version.NewConstraint(s)
	if err != nil {
		return nil, plumb.Errorf(plumb.EINVALID, "version constraint %q: %v", s, err)
	}
	return cs, nil
}

func constraintText(s string) string {
	if strings.TrimSpace(s) == "" {
		return "any version"
	}
	return s
}

func newest(have []*version.Version, cs version.Constraints) *version.Version {
	var best *version.Version
	for _, v := range have {
		if cs.Check(v) && (best == nil || v.GreaterThan(best)) {
			best = v
		}
	}
	return best
}

// listVersions names the newest versions a site has, for an error: enough
// to see what to ask for, not the hundreds Terraform has published.
func listVersions(have []*version.Version) string {
	if len(have) == 0 {
		return "no versions"
	}
	sorted := slices.Clone(have)
	slices.SortFunc(sorted, func(a, b *version.Version) int { return b.Compare(a) })
	const shown = 10
	var names []string
	for _, v := range sorted[:min(shown, len(sorted))] {
		names = append(names, v.String())
	}
	s := strings.Join(names, ", ")
	if len(sorted) > shown {
		s += fmt.Sprintf(" and %d older", len(sorted)-shown)
	}
	return s
}

// errNetwork wraps a failure to reach a release site: EINTERNAL, worth
// retrying, unlike a refused release. The URL is added unless the error
// (net/http's and statusError do) names it already.
func errNetwork(url string, err error) error {
	if strings.Contains(err.Error(), url) {
		return plumb.Errorf(plumb.EINTERNAL, "%w", err)
	}
	return plumb.Errorf(plumb.EINTERNAL, "download %s: %w", url, err)
}
