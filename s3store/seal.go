package s3store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/plumbhq/plumb"
)

// magic starts every sealed object: format 1 is nonce, then AES-256-GCM
// ciphertext with the object's key name as additional data.
const magic = "plumb-sealed-1\n"

// KeySize is the encryption key's length in bytes (AES-256).
const KeySize = 32

// ParseKey reads an encryption key given as 64 hex digits or as base64 of
// 32 bytes (`openssl rand -base64 32` or `-hex 32`).
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if k, err := hex.DecodeString(s); err == nil && len(k) == KeySize {
		return k, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == KeySize {
			return k, nil
		}
	}
	return nil, plumb.Errorf(plumb.EINVALID, "the artifacts encryption key must be %d bytes, as 64 hex digits or base64 (make one with: openssl rand -base64 32)", KeySize)
}

type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (sealer, error) {
	if len(key) != KeySize {
		return sealer{}, plumb.Errorf(plumb.EINVALID, "the artifacts encryption key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return sealer{}, err
	}
	aead, err := cipher.NewGCM(block)
	return sealer{aead}, err
}

func (s sealer) seal(name string, data []byte) []byte {
	out := make([]byte, len(magic), len(magic)+s.aead.NonceSize()+len(data)+s.aead.Overhead())
	copy(out, magic)
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce) // never fails (crypto/rand)
	out = append(out, nonce...)
	return s.aead.Seal(out, nonce, data, []byte(name))
}

func (s sealer) open(name string, sealed []byte) ([]byte, error) {
	rest, ok := strings.CutPrefix(string(sealed), magic)
	if !ok {
		return nil, fmt.Errorf("artifact %s: not sealed by plumb (no %q header): refusing it", name, strings.TrimSpace(magic))
	}
	n := s.aead.NonceSize()
	if len(rest) < n {
		return nil, fmt.Errorf("artifact %s: truncated", name)
	}
	data, err := s.aead.Open(nil, []byte(rest[:n]), []byte(rest[n:]), []byte(name))
	if err != nil {
		return nil, errors.New("artifact " + name + ": it does not open with this encryption key (another key, altered, or stored under another name)")
	}
	return data, nil
}
