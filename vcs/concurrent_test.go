package vcs_test

import (
	"context"
	"fmt"
	"io/fs"
	"sync"
	"testing"

	"github.com/plumbhq/plumb/internal/testenv"
	"github.com/plumbhq/plumb/vcs"
)

// TestRepoConcurrentReads: jobs read trees of one repository at once (a
// plan, a merge, a drift check). go-git's storage with kept pack
// descriptors is not safe for that (they share a file offset: "zlib:
// invalid header"), so the Repo serialises its reads; every file reads
// back whole from every goroutine.
func TestRepoConcurrentReads(t *testing.T) {
	t.Parallel()
	src := testenv.NewRepo(t, "")
	var commits []string
	for c := range 4 {
		for i := range 40 {
			src.Write(fmt.Sprintf("d%02d/f%02d.tf", i%8, i), fmt.Sprintf("# commit %d file %d\n%s\n", c, i, make([]byte, 2000+i*37)))
		}
		commits = append(commits, src.Commit(fmt.Sprintf("commit %d", c)))
	}
	src.Git("gc", "-q") // packed: the objects share pack files
	m := &vcs.Mirrors{Dir: t.TempDir()}
	ctx := context.Background()
	if err := m.Sync(ctx, "acme/infra", src.Dir); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 5 {
				r, done, err := m.Open("acme/infra")
				if err != nil {
					errs <- err
					return
				}
				sha := commits[(g+round)%len(commits)]
				tree, _, err := r.Tree(sha)
				if err == nil {
					_, err = r.Changed(ctx, commits[0], sha)
				}
				done()
				if err != nil {
					errs <- err
					return
				}
				// The tree is read after the mirror is let go, as jobs do.
				err = fs.WalkDir(tree, ".", func(p string, d fs.DirEntry, err error) error {
					if err != nil || d.IsDir() {
						return err
					}
					_, err = fs.ReadFile(tree, p)
					return err
				})
				if err != nil {
					errs <- fmt.Errorf("read %.12s: %w", sha, err)
					return
				}
			}
		}()
	}
	// A fetch meanwhile reopens the mirror under the readers' trees.
	if err := m.Sync(ctx, "acme/infra", src.Dir); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
