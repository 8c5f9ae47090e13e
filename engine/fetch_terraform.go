package engine

import (
	"bytes"
	"context"
	"errors"
	"log"
	"log/slog"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/hc-install/product"
	"github.com/hashicorp/hc-install/releases"

	"github.com/plumbhq/plumb"
)

// terraformReleases is releases.hashicorp.com's layout, through
// hc-install: it lists <URL>/terraform/index.json, reads the version's
// index.json, checks SHA256SUMS's signature (HashiCorp's key, built in,
// unless keys is set), streams the archive through sha256 and unpacks it
// only when the sum matches.
type terraformReleases struct {
	src  Source
	keys *keyRing
	http *httpGetter
	log  *slog.Logger
}

func (r *terraformReleases) base() string {
	if r.src.URL != "" {
		return strings.TrimRight(r.src.URL, "/")
	}
	return DefaultTerraformURL
}

// apiBase is hc-install's ApiBaseURL: "" keeps its own default.
func (r *terraformReleases) apiBase() string {
	if r.src.URL == "" {
		return ""
	}
	return r.base()
}

func (r *terraformReleases) list(ctx context.Context) ([]*version.Version, string, error) {
	from := redactString(r.base()) + "/terraform/index.json"
	// No constraint: every version, pre-releases too, which Fetch's
	// constraint check then admits only when asked for by name.
	vs := &releases.Versions{Product: product.Terraform, ApiBaseURL: r.apiBase(), HTTPClient: r.http.client, ListTimeout: 2 * time.Minute}
	srcs, err := vs.List(ctx)
	if err != nil {
		return nil, from, errNetwork(from, r.scrub(err))
	}
	var out []*version.Version
	for _, s := range srcs {
		if ev, ok := s.(*releases.ExactVersion); ok {
			out = append(out, ev.Version)
		}
	}
	return out, from, nil
}

func (r *terraformReleases) install(ctx context.Context, v *version.Version, dir string) error {
	ev := &releases.ExactVersion{
		Product: product.Terraform, Version: v, InstallDir: dir,
		ApiBaseURL: r.apiBase(), HTTPClient: r.http.client,
		Timeout: 15 * time.Minute, // hc-install's own default, 30 s, is short for 90 MB
	}
	if deadline, ok := ctx.Deadline(); ok {
		ev.Timeout = time.Until(deadline)
	}
	if r.keys != nil {
		armored, err := r.keys.armored()
		if err != nil {
			return err
		}
		ev.ArmoredPublicKey = armored
	}
	ev.SetLogger(log.New(scrubWriter{r}, "", 0))
	_, err := ev.Install(ctx)
	// hc-install v0.10.0 loses its own checksum error (a deferred cleanup
	// in its downloader overwrites the returned error), reporting a
	// tampered archive as a missing binary, or as success were one left in
	// the dir. So the archive is checked here as well, on the bytes this
	// download streamed, whatever hc-install says.
	if cerr := r.checkArchive(); cerr != nil {
		return cerr
	}
	if err != nil {
		return r.explain(v, r.scrub(err))
	}
	return nil
}

// checkArchive compares the sha256 of the archive hc-install downloaded
// with the one in the SHA256SUMS it read (and verified the signature of:
// it fetches the archive only after that). No archive fetched is for
// explain to say why.
func (r *terraformReleases) checkArchive() error {
	archive := r.http.rec.fetched(".zip")
	if archive == "" {
		return nil
	}
	sumsURL := r.http.rec.fetched("_SHA256SUMS")
	body, ok := r.http.rec.body(sumsURL)
	if !ok {
		return plumb.Errorf(plumb.EINVALID, "refused %s: its SHA256SUMS (%s) was not read whole", archive, sumsURL)
	}
	table, err := parseSums(body, sumsURL)
	if err != nil {
		return err
	}
	want, err := signedSum(table, path.Base(archive), sumsURL)
	if err != nil {
		return err
	}
	got, ok := r.http.rec.sum(archive)
	if !ok {
		return plumb.Errorf(plumb.EINVALID, "refused %s: it was not downloaded whole", archive)
	}
	if !bytes.Equal(got, want) {
		return errChecksum(archive, sumsURL, want, got)
	}
	return nil
}

// scrub drops the password of a mirror URL (user:password@host) from
// hc-install's messages, which name its base URL as given.
func (r *terraformReleases) scrub(err error) error {
	u, perr := url.Parse(r.src.URL)
	if perr != nil || u.User == nil {
		return err
	}
	pass, ok := u.User.Password()
	if !ok || pass == "" {
		return err
	}
	msg := err.Error()
	for _, form := range []string{pass, url.QueryEscape(pass), url.PathEscape(pass)} {
		msg = strings.ReplaceAll(msg, form, "xxxxx")
	}
	if msg == err.Error() {
		return err
	}
	return errors.New(msg) // the cause would hold the password again
}

// scrubWriter is hc-install's log, scrubbed, at debug level.
type scrubWriter struct{ r *terraformReleases }

func (w scrubWriter) Write(p []byte) (int, error) {
	w.r.log.Debug(w.r.scrub(errors.New(strings.TrimSpace(string(p)))).Error())
	return len(p), nil
}

// explain turns hc-install's error into one naming what failed and its
// URL, which hc-install's own messages do only for HTTP failures. The
// URLs are the ones this download fetched.
func (r *terraformReleases) explain(v *version.Version, err error) error {
	msg := err.Error()
	sums := r.http.rec.fetched("_SHA256SUMS")
	sig := r.http.rec.fetched(".sig")
	archive := r.http.rec.fetched(".zip")
	from := "HashiCorp's key built into hc-install"
	if r.keys != nil {
		from = r.keys.from
	}
	switch {
	case strings.Contains(msg, "checksum mismatch"), strings.Contains(msg, "unexpected size"):
		return plumb.Errorf(plumb.EINVALID, "refused %s: its sha256 or size does not match the signed %s (a tampered or damaged archive): %v", archive, sums, err)
	case strings.Contains(msg, "failed to download signature"):
		return plumb.Errorf(plumb.EINVALID, "refused Terraform %s: no signature of its SHA256SUMS: %v", v, err)
	case strings.Contains(msg, "signature"), strings.Contains(msg, "sig file"), strings.Contains(msg, "openpgp"):
		return plumb.Errorf(plumb.EINVALID, "refused %s: its signature %s does not verify with %s: %v", sums, sig, from, err)
	case strings.Contains(msg, "no checksum found"), strings.Contains(msg, "checksum line"):
		return plumb.Errorf(plumb.EINVALID, "refused Terraform %s: %s: %v", v, sums, err)
	}
	return errNetwork(redactString(r.base()), err)
}

func (r *terraformReleases) archive() string { return r.http.rec.fetched(".zip", ".tar.gz") }
