package plumb

import (
	"fmt"
	"time"
)

// LockKey names what a lock guards: one workspace of one project directory
// in one repo. Two changes never apply to one key at once.
type LockKey struct {
	Repo      string `json:"repo"`
	Dir       string `json:"dir"`
	Workspace string `json:"workspace"`
}

func (k LockKey) String() string { return fmt.Sprintf("%s/%s:%s", k.Repo, k.Dir, k.Workspace) }

// Lock is a held LockKey.
type Lock struct {
	ID         string    `json:"id"`
	Key        LockKey   `json:"key"`
	Project    string    `json:"project"`
	Owner      string    `json:"owner"` // "PR #12", "main", "drift", "cli"
	Reason     string    `json:"reason"`
	RunID      string    `json:"run_id,omitempty"`
	AcquiredAt time.Time `json:"acquired_at"`
}

// LockWaiter is an owner in line for a held LockKey: a change blocked by
// another owner's lock, waiting to plan or apply once it is free. It
// refreshes its place each time it tries again; a waiter that stops
// trying (its job ended) drops out of line at Expires.
type LockWaiter struct {
	Key     LockKey   `json:"key"`
	Project string    `json:"project"`
	Owner   string    `json:"owner"`
	Since   time.Time `json:"since"`
	Expires time.Time `json:"expires"`
}
