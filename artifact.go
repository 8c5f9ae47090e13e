package plumb

import "context"

// Artifacts keeps the files of runs where every replica can reach them,
// so a plan made on one replica is applied on another. Keys are
// slash-separated paths relative to the store's root: under runs/<id>/,
// plan.tfplan (the saved plan, deleted once applied, superseded or
// discarded) and meta.json, stored when a plan is made; plan.json and
// plan.txt (the plan, redacted) and log.txt (the whole log, redacted),
// stored when the run ends. The data dir stays each replica's working
// copy, and without an Artifacts the only one; Artifacts is the shared
// one. The Store keeps each run's log too, where a run page reads it live.
//
// Saved plans hold real values: an implementation keeps what it stores
// unreadable to anyone holding only the storage (encrypted at rest).
type Artifacts interface {
	// Put stores data under key, replacing what was there.
	Put(ctx context.Context, key string, data []byte) error
	// Get returns what key holds; ENOTFOUND when nothing does.
	Get(ctx context.Context, key string) ([]byte, error)
	// Delete removes key; deleting what is not there is no error.
	Delete(ctx context.Context, key string) error
	// Ready says whether the store answers (for /readyz).
	Ready(ctx context.Context) error
}
