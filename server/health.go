package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// healthz answers 200 while the process serves HTTP at all.
func healthz(w http.ResponseWriter, _ *http.Request) {
	reply(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when the store and the queue are usable, 503 when not.
// The cause goes to the log, not to the (unauthenticated) caller.
func readyz(ready func(context.Context) error, log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := ready(ctx); err != nil {
			log.Warn("not ready", "error", err)
			reply(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
			return
		}
		reply(w, http.StatusOK, map[string]string{"status": "ready"})
	}
}
