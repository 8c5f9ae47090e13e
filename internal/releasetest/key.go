package releasetest

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// Key is an OpenPGP signing key made for one test: it stands in for
// HashiCorp's or OpenTofu's release key.
type Key struct {
	entity *openpgp.Entity
	// Armored is the public key, ASCII-armoured as the release sites
	// publish theirs.
	Armored string
	// File holds Armored, for a --*-releases-pubkey flag.
	File string
}

// NewKey makes a fresh key. Ed25519 rather than go-crypto's default RSA:
// generation takes microseconds, and verifiers accept either.
func NewKey(t testing.TB) *Key {
	t.Helper()
	e, err := openpgp.NewEntity("plumb release test", "", "releases@plumb.invalid", &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA})
	if err != nil {
		t.Fatalf("releasetest: new key: %v", err)
	}
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, openpgp.PublicKeyType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Serialize(w); err != nil {
		t.Fatalf("releasetest: serialize key: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	k := &Key{entity: e, Armored: buf.String(), File: filepath.Join(t.TempDir(), "release-key.asc")}
	if err := os.WriteFile(k.File, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return k
}

// KeyID is the key's short ID in hex, as HashiCorp names its per-key
// signature files (terraform_<v>_SHA256SUMS.<KEYID>.sig).
func (k *Key) KeyID() string { return k.entity.PrimaryKey.KeyIdShortString() }

// Sign returns a binary detached signature of data, the format of both
// terraform_<v>_SHA256SUMS.sig and tofu_<v>_SHA256SUMS.gpgsig.
func (k *Key) Sign(t testing.TB, data []byte) []byte {
	t.Helper()
	var sig bytes.Buffer
	if err := openpgp.DetachSign(&sig, k.entity, bytes.NewReader(data), nil); err != nil {
		t.Fatalf("releasetest: sign: %v", err)
	}
	return sig.Bytes()
}

// copyFile copies src to w, for archiving a binary without holding it in
// memory (engines are 100 MB or more).
func copyFile(w io.Writer, src string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}
