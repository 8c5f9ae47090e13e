package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// ReadyCheck is one part of the service /readyz checks.
type ReadyCheck struct {
	// Name is what the answer calls the part when it fails ("artifacts").
	Name  string
	Check func(ctx context.Context) error
}

// healthz answers 200 while the process serves HTTP at all.
func healthz(w http.ResponseWriter, _ *http.Request) {
	reply(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when the store, the queue and every check are usable,
// 503 when not, naming the checks that failed. The causes go to the log,
// not to the (unauthenticated) caller.
func readyz(ready func(context.Context) error, checks []ReadyCheck, log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		failing := []string{}
		if err := ready(ctx); err != nil {
			log.Warn("not ready", "error", err)
			failing = append(failing, "service")
		}
		for _, c := range checks {
			if err := c.Check(ctx); err != nil {
				log.Warn("not ready", "check", c.Name, "error", err)
				failing = append(failing, c.Name)
			}
		}
		if len(failing) > 0 {
			reply(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "failing": failing})
			return
		}
		reply(w, http.StatusOK, map[string]string{"status": "ready"})
	}
}
