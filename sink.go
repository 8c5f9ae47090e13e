package plumb

import "context"

// EventSink takes verified webhook deliveries from the server. Accept
// stores the event and queues its processing in one transaction, so an
// accepted event survives a crash; it reports a delivery seen before as a
// duplicate and stores nothing.
type EventSink interface {
	Accept(ctx context.Context, ev Event, payload []byte) (duplicate bool, err error)
}

// EventHandler processes one stored event, from a queue worker. Its error
// decides what the queue does: ECONFLICT (a lock is held) tries again
// later, EINVALID and ENOTFOUND give up and keep the record, anything else
// retries with backoff.
type EventHandler interface {
	HandleEvent(ctx context.Context, ev Event) error
}
