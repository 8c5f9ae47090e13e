package sqlite_test

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/plumbhq/plumb"
)

// go test -run '^$' -bench . ./store/sqlite (a file DB with fsync: real cost)

func BenchmarkAcquireRelease(b *testing.B) {
	db := openFile(b, filepath.Join(b.TempDir(), "plumb.db"))
	key := plumb.LockKey{Repo: "acme/infra", Dir: "envs/dev/app", Workspace: "default"}
	for b.Loop() {
		l, err := db.AcquireLock(b.Context(), plumb.Lock{Key: key, Owner: "main"})
		if err != nil {
			b.Fatal(err)
		}
		if err := db.ReleaseLock(b.Context(), l.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// Contended: every goroutine races for one of 4 keys, as workers would.
func BenchmarkAcquireReleaseParallel(b *testing.B) {
	db := openFile(b, filepath.Join(b.TempDir(), "plumb.db"))
	var n atomic.Int64
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		i := n.Add(1)
		key := plumb.LockKey{Repo: "acme/infra", Dir: fmt.Sprint("envs/", i%4), Workspace: "default"}
		owner := fmt.Sprint("worker", i)
		for pb.Next() {
			l, err := db.AcquireLock(b.Context(), plumb.Lock{Key: key, Owner: owner})
			if plumb.ErrorCode(err) == plumb.ECONFLICT {
				continue
			}
			if err != nil {
				b.Fatal(err)
			}
			if err := db.ReleaseLock(b.Context(), l.ID); err != nil && plumb.ErrorCode(err) != plumb.ENOTFOUND {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkCreateRun(b *testing.B) {
	db := openFile(b, filepath.Join(b.TempDir(), "plumb.db"))
	i := 0
	for b.Loop() {
		i++
		r := &plumb.Run{ID: fmt.Sprint("r", i), Repo: "acme/infra", Project: "app", Kind: plumb.RunPlan,
			Status: plumb.RunChanges, Resources: []plumb.ResourceChange{{Address: "local_file.f", Actions: []string{"create"}}}}
		if err := db.CreateRun(b.Context(), r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRunsList50(b *testing.B) {
	db := openFile(b, filepath.Join(b.TempDir(), "plumb.db"))
	for i := range 1000 {
		if err := db.CreateRun(b.Context(), &plumb.Run{ID: fmt.Sprint("r", i), Project: fmt.Sprint("p", i%10)}); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if _, err := db.Runs(b.Context(), plumb.RunFilter{Project: "p3", Limit: 50}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendRunLog10(b *testing.B) {
	db := openFile(b, filepath.Join(b.TempDir(), "plumb.db"))
	if err := db.CreateRun(b.Context(), &plumb.Run{ID: "r"}); err != nil {
		b.Fatal(err)
	}
	lines := make([]string, 10)
	for i := range lines {
		lines[i] = fmt.Sprintf("line %d of the plan output, about this long", i)
	}
	for b.Loop() {
		if err := db.AppendRunLog(b.Context(), "r", lines...); err != nil {
			b.Fatal(err)
		}
	}
}
