package main

import (
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SIGTERM to the replica running a plan, with a drain too short for it to
// finish: the replica stops taking webhooks, cancels the plan when the
// drain ends, records its runs as ended rather than leave them running,
// and exits; the job goes back to the queue, and another replica plans the
// pull request well before the run's lease (45 s, the default) could have
// expired. Nothing waits for a dead replica's recovery.
func TestReplicaDrainHandsItsJobBack(t *testing.T) {
	t.Parallel()
	w := newGitHubWorld(t)
	c := startCluster(t, w, 2, "--drain-timeout", "500ms")
	defer c.stop()
	head := w.push("label", "modules/label/main.tf", labelV2)
	if code, err := deliverAs("http://"+c.replicas[0].addr, "pull_request", "drained", w.payload("opened", 7, "label", head, false)); err != nil || code != 202 {
		t.Fatalf("delivery: %d %v", code, err)
	}
	victim, _ := c.runningOn(2*time.Minute, `kind = 'plan'`)
	pid := strconv.Itoa(victim.cmd.Process.Pid)
	termed := time.Now()
	took, err := victim.stop(syscall.SIGTERM)
	if err != nil {
		t.Errorf("the drained replica exited with %v, want 0", err)
	}
	if took > 20*time.Second {
		t.Errorf("the drained replica took %s to exit, want about its 500ms drain", took.Round(time.Second))
	}
	if n := c.count(`SELECT count(*) FROM plumb_runs WHERE split_part(lease_owner, '/', 2) = $1 AND status IN ('running', 'queued')`, pid); n != 0 {
		t.Errorf("%d runs of the drained replica still look alive after it exited", n)
	}
	waitFor(t, 30*time.Second, "the plan started again on the other replica", func() (bool, string) {
		n := c.count(`SELECT count(*) FROM plumb_runs WHERE kind = 'plan' AND split_part(lease_owner, '/', 2) NOT IN ($1, '')`, pid)
		return n > 0, strconv.Itoa(n)
	})
	t.Logf("plan started again on the other replica %s after SIGTERM", time.Since(termed).Round(100*time.Millisecond))
	body := w.waitKindComment(7, "plan", 3*time.Minute, "module.app.local_file.config")
	if strings.Contains(body, ":x:") {
		t.Errorf("the handed-back plan's comment shows a failure:\n%s", body)
	}
	waitFor(t, time.Minute, "the delivery handled", func() (bool, string) {
		return c.count(`SELECT count(*) FROM plumb_events WHERE delivery = 'drained' AND status = 'processed'`) == 1, ""
	})
}
