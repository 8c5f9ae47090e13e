package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"

	"github.com/plumbhq/plumb"
)

// Results of a delivery, the result label of plumb_webhook_deliveries_total.
const (
	ResultAccepted     = "accepted"
	ResultDuplicate    = "duplicate"
	ResultIgnored      = "ignored"
	ResultNotAllowed   = "not_allowed"
	ResultUnauthorized = "unauthorized"
	ResultInvalid      = "invalid"
	ResultTooLarge     = "too_large"
	ResultError        = "error"
)

// events is POST /events: cap the body, verify and parse, filter, store.
type events struct {
	cfg   Config
	allow allowlist
}

func (h *events) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m, log := h.cfg.Metrics, h.cfg.Logger
	// The event header is unauthenticated until the signature is checked:
	// label it from a fixed set so garbage cannot grow the series.
	kind := eventLabel(r.Header.Get("X-GitHub-Event"))
	if r.ContentLength > h.cfg.MaxBody {
		m.delivery(kind, ResultTooLarge)
		reply(w, http.StatusRequestEntityTooLarge, map[string]string{"status": "too_large"})
		return
	}
	// MaxBytesReader reads at most MaxBody+1 bytes and closes the
	// connection after an overflow, so a liar's Content-Length costs little.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			m.delivery(kind, ResultTooLarge)
			reply(w, http.StatusRequestEntityTooLarge, map[string]string{"status": "too_large"})
			return
		}
		m.delivery(kind, ResultInvalid)
		reply(w, http.StatusBadRequest, map[string]string{"status": "invalid", "error": "could not read the body"})
		return
	}
	ev, err := h.parse(r.Header, body)
	if err != nil {
		switch plumb.ErrorCode(err) {
		case plumb.EUNAUTHORIZED:
			log.Warn("webhook rejected", "reason", err.Error(), "remote", r.RemoteAddr)
			m.delivery(kind, ResultUnauthorized)
			reply(w, http.StatusUnauthorized, map[string]string{"status": "unauthorized"})
		case plumb.EINVALID:
			log.Warn("webhook malformed", "reason", err.Error(), "remote", r.RemoteAddr)
			m.delivery(kind, ResultInvalid)
			// The parser's message names headers and JSON errors, never
			// the body or the secret.
			reply(w, http.StatusBadRequest, map[string]string{"status": "invalid", "error": plumb.ErrorMessage(err)})
		default:
			log.Error("webhook parse", "error", err)
			m.delivery(kind, ResultError)
			reply(w, http.StatusInternalServerError, map[string]string{"status": "error"})
		}
		return
	}
	kind = eventLabel(string(ev.Kind))
	log = log.With("delivery", ev.Delivery, "event", string(ev.Kind), "repo", ev.Repo)
	if ev.Ignored != "" {
		log.Info("webhook ignored", "reason", ev.Ignored)
		m.delivery(kind, ResultIgnored)
		reply(w, http.StatusOK, map[string]string{"status": "ignored", "delivery": ev.Delivery, "reason": ev.Ignored})
		return
	}
	if !h.allow.allows(ev.Repo) {
		log.Warn("webhook ignored: repository not in the allowlist")
		m.delivery(kind, ResultNotAllowed)
		reply(w, http.StatusOK, map[string]string{"status": "ignored", "delivery": ev.Delivery, "reason": "repository not allowed"})
		return
	}
	dup, err := h.cfg.Sink.Accept(r.Context(), ev, body)
	switch {
	case plumb.ErrorCode(err) == plumb.EINVALID:
		log.Warn("webhook not stored", "reason", err.Error())
		m.delivery(kind, ResultInvalid)
		reply(w, http.StatusBadRequest, map[string]string{"status": "invalid", "error": plumb.ErrorMessage(err)})
	case err != nil:
		// No 202: GitHub shows the failure and the delivery can be redelivered.
		log.Error("webhook not stored", "error", err)
		m.delivery(kind, ResultError)
		reply(w, http.StatusInternalServerError, map[string]string{"status": "error", "delivery": ev.Delivery})
	case dup:
		log.Info("webhook duplicate")
		m.delivery(kind, ResultDuplicate)
		reply(w, http.StatusOK, map[string]string{"status": "duplicate", "delivery": ev.Delivery})
	default:
		log.Info("webhook accepted", "pr", ev.PR)
		m.delivery(kind, ResultAccepted)
		reply(w, http.StatusAccepted, map[string]string{"status": "accepted", "delivery": ev.Delivery})
	}
}

// parse calls the parser, turning a panic (a parser bug some input found)
// into a 500 with the stack in the log instead of a dropped connection.
func (h *events) parse(hdr http.Header, body []byte) (ev plumb.Event, err error) {
	defer func() {
		if r := recover(); r != nil {
			h.cfg.Logger.Error("webhook parser panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fmt.Errorf("webhook parser panicked: %v", r)
		}
	}()
	return h.cfg.Parser.Parse(hdr, body)
}

// eventLabel bounds the event label to the kinds GitHub sends plumb.
func eventLabel(kind string) string {
	switch kind {
	case "pull_request", "push", "issue_comment", "ping":
		return kind
	case "":
		return "none"
	}
	return "other"
}
