package vcs

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// Tree is one commit's file tree as an fs.FS, read lazily from git objects.
// Symlinks are followed inside the tree (never out of it). It is safe for
// concurrent use: go-git's object storage is not (its kept pack
// descriptors share a file offset), so every read of the repository's
// objects, by any of its trees or by the Repo, takes the Repo's lock;
// callers parse in parallel, they do not read in parallel.
type Tree struct {
	mu    *sync.Mutex // the Repo's
	s     storer.EncodedObjectStorer
	root  plumbing.Hash
	trees map[plumbing.Hash]*object.Tree
}

func newTree(s storer.EncodedObjectStorer, root plumbing.Hash, mu *sync.Mutex) *Tree {
	return &Tree{mu: mu, s: s, root: root, trees: map[plumbing.Hash]*object.Tree{}}
}

var (
	_ fs.ReadDirFS  = (*Tree)(nil)
	_ fs.ReadFileFS = (*Tree)(nil)
	_ fs.StatFS     = (*Tree)(nil)
	_ fs.ReadLinkFS = (*Tree)(nil)
)

// node is a resolved path: its final name, mode and object.
type node struct {
	name string
	mode filemode.FileMode
	hash plumbing.Hash
}

func (t *Tree) tree(h plumbing.Hash) (*object.Tree, error) {
	if tr := t.trees[h]; tr != nil {
		return tr, nil
	}
	tr, err := object.GetTree(t.s, h)
	if err != nil {
		return nil, err
	}
	t.trees[h] = tr
	return tr, nil
}

// lookup resolves name, following symlinks in every component and, when
// follow is set, in the last one. Call with t.mu held.
func (t *Tree) lookup(op, name string, follow bool) (node, error) {
	if !fs.ValidPath(name) {
		return node{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	cur := node{name: ".", mode: filemode.Dir, hash: t.root}
	parts := strings.Split(name, "/")
	if name == "." {
		parts = nil
	}
	curPath := "."
	for hops := 0; len(parts) > 0; {
		if cur.mode != filemode.Dir {
			return node{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		}
		tr, err := t.tree(cur.hash)
		if err != nil {
			return node{}, &fs.PathError{Op: op, Path: name, Err: err}
		}
		e, err := tr.FindEntry(parts[0])
		if err != nil {
			return node{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		}
		p := path.Join(curPath, parts[0])
		parts = parts[1:]
		if e.Mode != filemode.Symlink || (len(parts) == 0 && !follow) {
			cur, curPath = node{name: e.Name, mode: e.Mode, hash: e.Hash}, p
			continue
		}
		if hops++; hops > 40 {
			return node{}, &fs.PathError{Op: op, Path: name, Err: errors.New("too many levels of symbolic links")}
		}
		link, err := t.blob(e.Hash)
		if err != nil {
			return node{}, &fs.PathError{Op: op, Path: name, Err: err}
		}
		dest := path.Join(path.Dir(p), string(link))
		if path.IsAbs(string(link)) || dest == ".." || strings.HasPrefix(dest, "../") {
			return node{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		}
		if dest != "." {
			parts = append(strings.Split(dest, "/"), parts...)
		}
		cur, curPath = node{name: ".", mode: filemode.Dir, hash: t.root}, "."
	}
	return cur, nil
}

func (t *Tree) blob(h plumbing.Hash) ([]byte, error) {
	b, err := object.GetBlob(t.s, h)
	if err != nil {
		return nil, err
	}
	r, err := b.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// DirHash returns the git tree hash of dir: equal hashes mean equal
// contents, so the planner can reuse what it parsed there before.
func (t *Tree) DirHash(dir string) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, err := t.lookup("dirhash", dir, true)
	if err != nil || n.mode != filemode.Dir {
		return "", false
	}
	return n.hash.String(), true
}

// ReadFile returns a file's contents.
func (t *Tree) ReadFile(name string) ([]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, err := t.lookup("read", name, true)
	if err != nil {
		return nil, err
	}
	if n.mode == filemode.Dir {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errors.New("is a directory")}
	}
	data, err := t.blob(n.hash)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return data, nil
}

// ReadDir lists a directory sorted by name, as fs.ReadDir does.
func (t *Tree) ReadDir(name string) ([]fs.DirEntry, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, err := t.lookup("readdir", name, true)
	if err != nil {
		return nil, err
	}
	if n.mode != filemode.Dir {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
	}
	tr, err := t.tree(n.hash)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	out := make([]fs.DirEntry, 0, len(tr.Entries))
	for _, e := range tr.Entries {
		out = append(out, dirEntry{t: t, path: path.Join(name, e.Name), fi: fileInfo{name: e.Name, mode: e.Mode}})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

// Stat describes name, following symlinks.
func (t *Tree) Stat(name string) (fs.FileInfo, error) { return t.stat("stat", name, true) }

// Lstat describes name without following a final symlink.
func (t *Tree) Lstat(name string) (fs.FileInfo, error) { return t.stat("lstat", name, false) }

func (t *Tree) stat(op, name string, follow bool) (fs.FileInfo, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, err := t.lookup(op, name, follow)
	if err != nil {
		return nil, err
	}
	fi := fileInfo{name: path.Base(name), mode: n.mode}
	if n.mode != filemode.Dir {
		if sz, err := t.s.EncodedObjectSize(n.hash); err == nil {
			fi.size = sz
		}
	}
	return fi, nil
}

// ReadLink returns a symlink's target as stored.
func (t *Tree) ReadLink(name string) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, err := t.lookup("readlink", name, false)
	if err != nil {
		return "", err
	}
	if n.mode != filemode.Symlink {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	link, err := t.blob(n.hash)
	if err != nil {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: err}
	}
	return string(link), nil
}

// Open opens a file or directory.
func (t *Tree) Open(name string) (fs.File, error) {
	fi, err := t.Stat(name)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		entries, err := t.ReadDir(name)
		if err != nil {
			return nil, err
		}
		return &dirFile{info: fi, entries: entries}, nil
	}
	data, err := t.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return &file{info: fi, Reader: bytes.NewReader(data)}, nil
}

type fileInfo struct {
	name string
	mode filemode.FileMode
	size int64
}

func (fi fileInfo) Name() string       { return fi.name }
func (fi fileInfo) Size() int64        { return max(fi.size, 0) }
func (fi fileInfo) ModTime() time.Time { return time.Time{} }
func (fi fileInfo) IsDir() bool        { return fi.mode == filemode.Dir }
func (fi fileInfo) Sys() any           { return nil }
func (fi fileInfo) Mode() fs.FileMode {
	switch fi.mode {
	case filemode.Dir:
		return fs.ModeDir | 0o755
	case filemode.Symlink:
		return fs.ModeSymlink | 0o777
	case filemode.Executable:
		return 0o755
	case filemode.Submodule:
		return fs.ModeIrregular // a commit of another repository: not readable here
	}
	return 0o644
}

// dirEntry reads its size only when asked: walks list many, stat few.
type dirEntry struct {
	t    *Tree
	path string
	fi   fileInfo
}

func (d dirEntry) Name() string               { return d.fi.name }
func (d dirEntry) IsDir() bool                { return d.fi.IsDir() }
func (d dirEntry) Type() fs.FileMode          { return d.fi.Mode().Type() }
func (d dirEntry) Info() (fs.FileInfo, error) { return d.t.Lstat(d.path) }

type file struct {
	info fs.FileInfo
	*bytes.Reader
}

func (f *file) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *file) Close() error               { return nil }

type dirFile struct {
	info    fs.FileInfo
	entries []fs.DirEntry
	off     int
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Close() error               { return nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.Name(), Err: errors.New("is a directory")}
}

// ReadDir implements fs.ReadDirFile.
func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.off += n
	return rest[:n], nil
}
