package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/runner"
)

// Three replicas on one PostgreSQL and one bucket: a burst of pull
// request deliveries, each sent to two replicas, is stored once and
// handled once: one event row each, one attempt, one plan run per
// project, one comment per pull request.
func TestReplicasBurstHandledOnce(t *testing.T) {
	t.Parallel()
	w := newGitHubWorld(t)
	c := startCluster(t, w, 3)
	defer c.stop()
	prs := map[int]string{7: "envs/dev/net", 8: "envs/prod/app", 9: "envs/dev/app"}
	bodies := map[int][]byte{}
	for pr, dir := range prs {
		head := w.push(fmt.Sprintf("pr-%d", pr), dir+"/NOTES.tf", fmt.Sprintf("# PR %d\n", pr))
		bodies[pr] = w.payload("opened", pr, fmt.Sprintf("pr-%d", pr), head, false)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	answers := map[string][]int{}
	i := 0
	for pr, body := range bodies {
		for _, to := range []int{i % 3, (i + 1) % 3} {
			wg.Go(func() {
				id := fmt.Sprintf("burst-%d", pr)
				code, err := deliverAs("http://"+c.replicas[to].addr, "pull_request", id, body)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				answers[id] = append(answers[id], code)
				mu.Unlock()
			})
		}
		i++
	}
	wg.Wait()
	for id, codes := range answers {
		if len(codes) != 2 || codes[0]+codes[1] != 402 { // one 202 (stored), one 200 (duplicate)
			t.Errorf("%s answered %v, want one 202 and one 200", id, codes)
		}
	}
	names := map[int]string{7: "net-dev", 8: "app-prod", 9: "app-dev"}
	for pr := range prs {
		w.waitKindComment(pr, "plan", 2*time.Minute, names[pr])
	}
	waitFor(t, time.Minute, "every delivery handled", func() (bool, string) {
		n := c.count(`SELECT count(*) FROM plumb_events WHERE status = 'processed'`)
		return n == 3, fmt.Sprintf("%d processed", n)
	})
	if n := c.count(`SELECT count(*) FROM plumb_events`); n != 3 {
		t.Errorf("%d events stored, want the 3 deliveries once each", n)
	}
	if n := c.count(`SELECT count(*) FROM plumb_events WHERE attempts <> 1`); n != 0 {
		t.Errorf("%d events handled more than once", n)
	}
	for pr, name := range names {
		if n := c.count(`SELECT count(*) FROM plumb_runs WHERE kind = 'plan' AND triggered_by = $1 AND project = $2`, fmt.Sprintf("PR #%d", pr), name); n != 1 {
			t.Errorf("PR #%d: %d plan runs of %s, want 1", pr, n, name)
		}
		if cs := w.kindComments(pr, "plan"); len(cs) != 1 {
			t.Errorf("PR #%d: %d plan comments, want 1", pr, len(cs))
		}
	}
	var owners int
	c.db.SQL().QueryRow(`SELECT count(DISTINCT split_part(lease_owner, '/', 2)) FROM plumb_runs WHERE kind = 'plan'`).Scan(&owners)
	t.Logf("the 3 plans ran on %d of the 3 replicas", owners)
}

// kill -9 of the replica running a plan: a live replica marks its runs
// interrupted once their lease expires and hands the job to the others at
// once (not after --job-rescue-after, left at its default of 2h30m): the
// plan is made again by another replica within a lease or two and the pull
// request gets its plan; the other replicas take every delivery meanwhile.
func TestReplicaKill9MidPlan(t *testing.T) {
	t.Parallel()
	w := newGitHubWorld(t)
	c := startCluster(t, w, 3, fastRecovery...)
	defer c.stop()
	head := w.push("label", "modules/label/main.tf", labelV2)
	if code, err := deliverAs("http://"+c.replicas[0].addr, "pull_request", "mid-plan", w.payload("opened", 7, "label", head, false)); err != nil || code != 202 {
		t.Fatalf("delivery: %d %v", code, err)
	}
	victim, owner := c.runningOn(2*time.Minute, `kind = 'plan'`)
	victim.stop(syscall.SIGKILL)
	killed := time.Now()
	p := probe(w, c.others(victim))

	waitFor(t, time.Minute, "the dead replica's plan runs marked interrupted", func() (bool, string) {
		n := c.count(`SELECT count(*) FROM plumb_runs WHERE (lease_owner = $1 OR lease_owner LIKE '% (recovering)') AND status <> 'failed'`, owner)
		m := c.count(`SELECT count(*) FROM plumb_runs WHERE status = 'failed' AND error LIKE 'interrupted:%'`)
		return n == 0 && m > 0, fmt.Sprintf("%d of its runs not failed, %d interrupted", n, m)
	})
	interrupted := time.Since(killed)
	pid := strconv.Itoa(victim.cmd.Process.Pid)
	waitFor(t, time.Minute, "the plan started again on another replica", func() (bool, string) {
		n := c.count(`SELECT count(*) FROM plumb_runs WHERE kind = 'plan' AND split_part(lease_owner, '/', 2) NOT IN ($1, '') AND lease_owner NOT LIKE '% (recovering)'`, pid)
		return n > 0, fmt.Sprint(n)
	})
	retried := time.Since(killed)
	if retried > 4*testLease+10*time.Second {
		t.Errorf("the plan was retried %s after the kill, want within a lease or two (%s)", retried.Round(time.Second), testLease)
	}
	body := w.waitKindComment(7, "plan", 4*time.Minute, "module.app.local_file.config")
	if strings.Contains(body, ":x:") {
		t.Errorf("the retried plan's comment shows a failure:\n%s", body)
	}
	t.Logf("after the kill (lease %s): runs interrupted in %s, plan retried elsewhere in %s, planned in %s",
		testLease, interrupted.Round(100*time.Millisecond), retried.Round(100*time.Millisecond), time.Since(killed).Round(100*time.Millisecond))
	waitFor(t, time.Minute, "the delivery handled", func() (bool, string) {
		return c.count(`SELECT count(*) FROM plumb_events WHERE delivery = 'mid-plan' AND status = 'processed' AND attempts = 2`) == 1, ""
	})
	for _, project := range []string{"app-dev", "app-prod"} {
		if n := c.count(`SELECT count(*) FROM plumb_runs WHERE kind = 'plan' AND project = $1 AND status = 'changes' AND split_part(lease_owner, '/', 2) <> $2`,
			project, pid); n != 1 {
			t.Errorf("%s: %d plans made by another replica, want 1", project, n)
		}
	}
	p.end(t)
}

// kill -9 of the replica running an apply: once its lease expires a live
// replica marks the run interrupted, keeps the lock with the reason and
// hands the merge job to the others at once (--job-rescue-after is left at
// its default of 2h30m); its retry, on another replica, edits the apply
// comment to say the apply was interrupted and sets plumb/apply to failure
// within a lease or two, and applies nothing again (the interrupted apply
// stands, what follows it is not applied); the other replicas take every
// delivery meanwhile.
func TestReplicaKill9MidApply(t *testing.T) {
	t.Parallel()
	w := newGitHubWorldOf(t, "fixtures/chain")
	c := startCluster(t, w, 3, fastRecovery...)
	defer c.stop()
	var head string
	for _, p := range []string{"dev/base", "dev/app", "prod/app"} {
		b, err := os.ReadFile(filepath.Join(w.local.Dir, p, "main.tf"))
		if err != nil {
			t.Fatal(err)
		}
		head = w.push("bump", p+"/main.tf", strings.Replace(string(b), `version = "1"`, `version = "2"`, 1))
	}
	if code, err := deliverAs("http://"+c.replicas[0].addr, "pull_request", "opened-7", w.payload("opened", 7, "bump", head, false)); err != nil || code != 202 {
		t.Fatalf("opened: %d %v", code, err)
	}
	w.waitKindComment(7, "plan", 3*time.Minute, "base-dev", "app-prod", "null_resource.step")
	w.gh.AddReview("acme", "infra", 7, "alice", "APPROVED")
	slow := filepath.Join(c.out, "slow-base-dev")
	touch(t, slow)
	merge := w.gh.MergePull(t, "acme", "infra", 7, "merge")
	if code, err := deliverAs("http://"+c.replicas[1].addr, "pull_request", "merged-7", w.mergedPayload(7)); err != nil || code != 202 {
		t.Fatalf("merged: %d %v", code, err)
	}
	victim, _ := c.runningOn(2*time.Minute, `kind = 'apply' AND project = 'base-dev'`)
	time.Sleep(time.Second) // into the engine's apply
	victim.stop(syscall.SIGKILL)
	killed := time.Now()
	os.Remove(slow)
	p := probe(w, c.others(victim))

	ctx := context.Background()
	var lease time.Duration
	waitFor(t, time.Minute, "base-dev's apply recorded interrupted, its lock kept with the reason", func() (bool, string) {
		runs, err := c.db.Runs(ctx, plumb.RunFilter{Kind: plumb.RunApply, Project: "base-dev", Commit: merge})
		if err != nil || len(runs) != 1 || !runner.Interrupted(runs[0]) || !strings.Contains(runs[0].Error, "the state may be partial") {
			return false, fmt.Sprintf("runs %+v, %v", runs, err)
		}
		locks, err := c.db.Locks(ctx)
		for _, l := range locks {
			if l.Project == "base-dev" && l.Owner == "PR #7" && strings.Contains(l.Reason, "apply interrupted at") && strings.Contains(l.Reason, "partial") {
				lease = time.Since(killed)
				return true, ""
			}
		}
		return false, fmt.Sprintf("locks %+v, %v", locks, err)
	})
	waitFor(t, time.Minute, "the apply comment and plumb/apply: base-dev say interrupted", func() (bool, string) {
		cs := w.kindComments(7, "apply")
		st := w.gh.LatestStatuses("acme", "infra", merge)["plumb/apply: base-dev"]
		if len(cs) != 1 || !strings.Contains(cs[0].Body, "interrupted") || (st.State != "failure" && st.State != "error") {
			return false, fmt.Sprintf("status %+v, comments %v", st, commentBodies(cs))
		}
		return true, ""
	})
	reported := time.Since(killed)
	if reported > 4*testLease+10*time.Second {
		t.Errorf("the interruption was reported %s after the kill, want within a lease or two (%s)", reported.Round(time.Second), testLease)
	}
	t.Logf("after the kill (lease %s): recorded interrupted with the lock in %s, reported on the pull request in %s",
		testLease, lease.Round(100*time.Millisecond), reported.Round(100*time.Millisecond))
	waitFor(t, time.Minute, "the rescued merge event handled", func() (bool, string) {
		n := c.count(`SELECT count(*) FROM plumb_events WHERE delivery = 'merged-7' AND status IN ('processed', 'failed') AND attempts = 2`)
		return n == 1, ""
	})
	p.end(t)
	c.stop()
	runs, err := c.db.Runs(ctx, plumb.RunFilter{Kind: plumb.RunApply, Commit: merge})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		switch {
		case r.Project == "base-dev" && !runner.Interrupted(r):
			t.Errorf("base-dev applied again after its interrupted apply: %s %s", r.Status, r.Error)
		case r.Project != "base-dev" && r.Status == plumb.RunApplied:
			t.Errorf("%s applied after an interrupted apply of what it follows", r.Project)
		}
	}
	if n := c.count(`SELECT count(*) FROM plumb_runs WHERE kind = 'apply' AND project = 'base-dev'`); n != 1 {
		t.Errorf("%d apply runs of base-dev, want the one interrupted", n)
	}
	if locks, _ := c.db.Locks(ctx); !slices.ContainsFunc(locks, func(l plumb.Lock) bool { return l.Project == "base-dev" && strings.Contains(l.Reason, "partial") }) {
		t.Errorf("base-dev's lock is gone after the retry: %+v", locks)
	}
}

// Three replicas sweeping one repository for drift every minute: each
// tick is checked once across them, the one at start (caught up) too.
func TestReplicasDriftTickOnce(t *testing.T) {
	t.Parallel()
	w := newGitHubWorldOf(t, "fixtures/basic")
	// Start early in a minute, so the first sweep ends before the next tick.
	if s := time.Now().Second(); s > 40 {
		time.Sleep(time.Duration(61-s) * time.Second)
	}
	c := startCluster(t, w, 3, "--drift-schedule", "* * * * *", "--drift-spread", "0s", "--drift-repos", "acme/infra")
	defer c.stop()
	checks := func() int {
		return c.count(`SELECT count(*) FROM plumb_runs WHERE kind = 'drift' AND project = 'root' AND status NOT IN ('queued', 'running')`)
	}
	waitFor(t, 90*time.Second, "the first drift check", func() (bool, string) { n := checks(); return n >= 1, fmt.Sprint(n) })
	tick := time.Now().Truncate(time.Minute)
	waitFor(t, 90*time.Second, "the next tick's check", func() (bool, string) { n := checks(); return n >= 2, fmt.Sprint(n) })
	time.Sleep(time.Until(tick.Add(2*time.Minute - 3*time.Second)))
	if n := checks(); n != 2 {
		t.Errorf("%d drift checks over two ticks on three replicas, want 2", n)
	}
}
