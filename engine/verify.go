package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"

	"github.com/plumbhq/plumb"
)

// keyRing is the public keys that may sign a release's checksums, and
// where they came from, for the errors.
type keyRing struct {
	keys openpgp.EntityList
	from string // "HashiCorp's key built into hc-install", or the file
}

// readKeyRing reads the OpenPGP public keys in file: armoured, as the
// release sites publish them (opentofu.asc, HashiCorp's security page), or
// binary, as an apt keyring such as opentofu.gpg holds them.
func readKeyRing(file string) (keyRing, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return keyRing{}, plumb.Errorf(plumb.EINVALID, "release signing key: %w", err)
	}
	keys, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(b))
	if err != nil {
		keys, err = openpgp.ReadKeyRing(bytes.NewReader(b))
	}
	if err != nil || len(keys) == 0 {
		return keyRing{}, plumb.Errorf(plumb.EINVALID, "release signing key %s: no OpenPGP public key in it (%v)", file, err)
	}
	return keyRing{keys: keys, from: "the key in " + file + " (" + fingerprints(keys) + ")"}, nil
}

// armored is the ring ASCII-armoured, the only form hc-install takes.
func (k keyRing) armored() (string, error) {
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, openpgp.PublicKeyType, nil)
	if err != nil {
		return "", err
	}
	for _, e := range k.keys {
		if err := e.Serialize(w); err != nil {
			return "", err
		}
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	return buf.String(), nil
}

func fingerprints(keys openpgp.EntityList) string {
	fps := make([]string, 0, len(keys))
	for _, e := range keys {
		fps = append(fps, strings.ToUpper(hex.EncodeToString(e.PrimaryKey.Fingerprint)))
	}
	return "fingerprint " + strings.Join(fps, ", ")
}

// checkSignature verifies sig, a detached signature (binary, as
// .gpgsig and .sig files are, or armoured), of sums made by one of the
// ring's keys. Both the signature's URL and the signed file's are named,
// so an operator knows which mirror file is wrong.
func (k keyRing) checkSignature(sums, sig []byte, sumsURL, sigURL string) error {
	_, err := openpgp.CheckDetachedSignature(k.keys, bytes.NewReader(sums), bytes.NewReader(sig), nil)
	if err != nil && bytes.HasPrefix(bytes.TrimSpace(sig), []byte("-----BEGIN")) {
		_, err = openpgp.CheckArmoredDetachedSignature(k.keys, bytes.NewReader(sums), bytes.NewReader(sig), nil)
	}
	if err != nil {
		return plumb.Errorf(plumb.EINVALID, "refused %s: its signature %s does not verify with %s: %v", sumsURL, sigURL, k.from, err)
	}
	return nil
}

// parseSums reads a SHA256SUMS file ("<hex>  <name>" lines, the format
// both projects publish; extra whitespace and blank lines are allowed).
func parseSums(b []byte, url string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for i, line := range strings.Split(string(b), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		sum, err := hex.DecodeString(fields[0])
		if len(fields) != 2 || err != nil || len(sum) != sha256.Size {
			return nil, plumb.Errorf(plumb.EINVALID, "%s:%d: not a \"<sha256>  <file>\" line: %q", url, i+1, line)
		}
		out[strings.TrimPrefix(fields[1], "*")] = sum // "*" marks binary mode in sha256sum's output
	}
	return out, nil
}

// errChecksum is a downloaded archive whose sha256 is not the signed one.
func errChecksum(archiveURL, sumsURL string, want, got []byte) error {
	return plumb.Errorf(plumb.EINVALID, "refused %s: its sha256 is %x, but the signed %s says %x (a tampered or damaged archive)", archiveURL, got, sumsURL, want)
}

var errTooLarge = errors.New("response too large")

// signedSum is the checksum SHA256SUMS gives name, or an error naming
// what it lists instead.
func signedSum(sums map[string][]byte, name, sumsURL string) ([]byte, error) {
	if sum, ok := sums[name]; ok {
		return sum, nil
	}
	return nil, plumb.Errorf(plumb.EINVALID, "%s lists no %s (this platform's archive); it lists %d other files", sumsURL, name, len(sums))
}
