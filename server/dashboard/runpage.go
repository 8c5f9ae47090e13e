package dashboard

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/plumbhq/plumb"
)

func (d *Dashboard) runPage(w http.ResponseWriter, r *http.Request) error {
	run, err := d.readableRun(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	log, err := d.cfg.Store.RunLog(r.Context(), run.ID)
	if err != nil {
		return err
	}
	d.render(w, r, http.StatusOK, "run", map[string]any{"Title": "Run " + run.ID, "Run": run, "Log": log,
		"Lines": len(log), "Live": !run.Status.Done(), "Links": links(d.cfg.WebURL, run)})
	return nil
}

// runLinks are a run's links to GitHub: the commit and the pull request.
type runLinks struct{ Commit, PR string }

func links(web string, run *plumb.Run) runLinks {
	var l runLinks
	if run.Repo == "" || !strings.Contains(run.Repo, "/") {
		return l
	}
	if run.Commit != "" {
		l.Commit = web + "/" + run.Repo + "/commit/" + run.Commit
	}
	if n, ok := strings.CutPrefix(run.Trigger, "PR #"); ok {
		if _, err := strconv.Atoi(n); err == nil {
			l.PR = web + "/" + run.Repo + "/pull/" + n
		}
	}
	return l
}

// runLogStream follows a run's log as server-sent events: each new line
// is a message whose id is its line number, so a reconnecting browser
// (Last-Event-ID, or ?from=N) picks up where it was; an event "done"
// carrying the final status ends the stream.
func (d *Dashboard) runLogStream(w http.ResponseWriter, r *http.Request) error {
	run, err := d.readableRun(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	from := r.Header.Get("Last-Event-ID")
	if from == "" {
		from = r.URL.Query().Get("from")
	}
	sent := 0
	if from != "" {
		if sent, err = strconv.Atoi(from); err != nil || sent < 0 {
			return plumb.Errorf(plumb.EINVALID, "from %q: want a line number", from)
		}
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		return plumb.Errorf(plumb.EINVALID, "this connection cannot stream")
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	tick := time.NewTicker(d.cfg.PollInterval)
	defer tick.Stop()
	for {
		// Read the status first: lines stored before it turned final are
		// then all in the log read next.
		cur, err := d.cfg.Store.Run(r.Context(), run.ID)
		if err != nil {
			return nil // the client sees the stream end and retries
		}
		lines, err := d.cfg.Store.RunLog(r.Context(), run.ID)
		if err != nil {
			return nil
		}
		rc.SetWriteDeadline(time.Now().Add(time.Minute))
		for ; sent < len(lines); sent++ {
			fmt.Fprintf(w, "id: %d\ndata: %s\n\n", sent+1, d.cfg.Redact(lines[sent]))
		}
		if cur.Status.Done() {
			fmt.Fprintf(w, "event: done\ndata: %s\n\n", cur.Status)
			flusher.Flush()
			return nil
		}
		fmt.Fprint(w, ": keep-alive\n\n")
		flusher.Flush()
		select {
		case <-r.Context().Done():
			return nil
		case <-tick.C:
		}
	}
}
