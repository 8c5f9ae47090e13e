package planner

import (
	"fmt"
	"io/fs"

	"github.com/plumbhq/plumb"
)

// ChangeBetween indexes the base and head trees of a change and returns
// what the changed files affect (see Affected) with the head index, which
// callers need to plan, warn about Terraform problems or read the config.
// Change.Base and Change.Head are left for the caller, who knows the
// commits.
//
// Both trees are loaded with l, so directories the two commits share are
// parsed once. A plumb.yaml that is invalid at base does not stop the
// change: a pull request that fixes it must still plan, so base's EINVALID
// errors are ignored and base is used as far as it goes. Any other base
// error (the tree could not be read) is returned, since an incomplete base
// would misstate what was removed. Head's errors are returned with the head
// index, which is always usable for reporting.
func (l *Loader) ChangeBetween(base, head fs.FS, changes []FileChange) (plumb.Change, *Index, error) {
	baseIdx, err := l.Load(base)
	if err != nil && plumb.ErrorCode(err) != plumb.EINVALID {
		return plumb.Change{}, nil, fmt.Errorf("load base: %w", err)
	}
	headIdx, err := l.Load(head)
	if err != nil {
		return plumb.Change{}, headIdx, err
	}
	ch, err := Affected(baseIdx, headIdx, changes)
	return ch, headIdx, err
}
