package jobs

import (
	"context"

	"github.com/plumbhq/plumb"
)

// Dispatcher says which job an event starts; it is the queue's
// plumb.EventHandler.
type Dispatcher struct {
	Pull    *PullRequestJob
	Merge   *MergeJob
	Command *CommandJob
	Push    *PushJob
}

// New returns the dispatcher of every job on env.
func New(env *Env) *Dispatcher {
	return &Dispatcher{Pull: &PullRequestJob{env}, Merge: &MergeJob{env}, Command: &CommandJob{env}, Push: &PushJob{env}}
}

// HandleEvent implements plumb.EventHandler.
func (d *Dispatcher) HandleEvent(ctx context.Context, ev plumb.Event) error {
	switch ev.Kind {
	case plumb.EventPullRequest:
		if ev.Action == "closed" && ev.Merged {
			return d.Merge.Handle(ctx, ev)
		}
		return d.Pull.Handle(ctx, ev)
	case plumb.EventComment:
		return d.Command.Handle(ctx, ev)
	case plumb.EventPush:
		return d.Push.Handle(ctx, ev)
	}
	d.Pull.logger().Info("event not handled", "delivery", ev.Delivery, "kind", ev.Kind, "action", ev.Action)
	return nil
}
