package drift

import (
	"testing"
	"time"

	"github.com/plumbhq/plumb"
)

var (
	t0    = time.Date(2026, 5, 6, 7, 0, 0, 0, time.UTC)
	fileA = plumb.DriftFinding{Address: "local_file.a", Kind: plumb.DriftOutOfBand, Action: "delete", Attributes: []string{}}
	tagsB = plumb.DriftFinding{Address: "aws_s3_bucket.b", Kind: plumb.DriftOutOfBand, Action: "update", Attributes: []string{"tags.env"}}
	newC  = plumb.DriftFinding{Address: "null_resource.c", Kind: plumb.DriftPending, Action: "create", Attributes: []string{}}
)

func result(fs ...plumb.DriftFinding) plumb.DriftResult {
	return plumb.DriftResult{Status: Status(fs), Resources: fs}
}

func TestAcknowledge(t *testing.T) {
	ackB := plumb.DriftAckRecord{Address: "aws_s3_bucket.b", Findings: []plumb.DriftFinding{tagsB}, By: "ana", Reason: "tag migration", Until: t0.Add(time.Hour)}
	all := plumb.DriftAckRecord{Findings: []plumb.DriftFinding{fileA, tagsB}, By: "bo", Reason: "known", Until: t0.Add(time.Hour)}
	tests := []struct {
		name   string
		res    plumb.DriftResult
		acks   []plumb.DriftAckRecord
		now    time.Time
		status plumb.DriftStatus
		acked  []bool
	}{
		{"one of two", result(fileA, tagsB), []plumb.DriftAckRecord{ackB}, t0, plumb.DriftDrifted, []bool{false, true}},
		{"all: clean", result(fileA, tagsB), []plumb.DriftAckRecord{all}, t0, plumb.DriftClean, []bool{true, true}},
		{"pending not covered", result(fileA, newC), []plumb.DriftAckRecord{all}, t0, plumb.DriftPendingOnly, []bool{true, false}},
		{"expired", result(tagsB), []plumb.DriftAckRecord{ackB}, t0.Add(time.Hour), plumb.DriftDrifted, []bool{false}},
		{"finding changed", result(plumb.DriftFinding{Address: "aws_s3_bucket.b", Kind: plumb.DriftOutOfBand, Action: "update", Attributes: []string{"tags.env", "acl"}}),
			[]plumb.DriftAckRecord{ackB}, t0, plumb.DriftDrifted, []bool{false}},
		{"other address", result(fileA), []plumb.DriftAckRecord{ackB}, t0, plumb.DriftDrifted, []bool{false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Acknowledge(tt.res, tt.acks, tt.now)
			if got.Status != tt.status {
				t.Errorf("status %s, want %s", got.Status, tt.status)
			}
			for i, f := range got.Resources {
				if (f.Acknowledged != nil) != tt.acked[i] {
					t.Errorf("%s acknowledged = %v, want %v", f.Address, f.Acknowledged != nil, tt.acked[i])
				}
			}
			if tt.res.Resources[0].Acknowledged != nil {
				t.Error("Acknowledge changed its input")
			}
		})
	}
	errRes := plumb.DriftResult{Status: plumb.DriftError, Resources: []plumb.DriftFinding{}, Error: "init failed"}
	if got := Acknowledge(errRes, []plumb.DriftAckRecord{all}, t0); got.Status != plumb.DriftError {
		t.Errorf("an error acknowledged into %s", got.Status)
	}
}

func TestNext(t *testing.T) {
	run := func(id string) *plumb.Run {
		return &plumb.Run{ID: id, Repo: "o/r", Project: "p", Dir: "p", Workspace: "default", Commit: "c" + id}
	}
	s := Next(plumb.DriftState{Issue: 7}, run("1"), result(), t0)
	if s.Status != plumb.DriftClean || !s.LastClean.Equal(t0) || !s.Since.IsZero() || s.Issue != 7 {
		t.Fatalf("first clean check: %+v", s)
	}
	s = Next(s, run("2"), result(fileA), t0.Add(time.Hour))
	if !s.Since.Equal(t0.Add(time.Hour)) || !s.FirstSeen[plumb.FindingKey(fileA)].Equal(t0.Add(time.Hour)) {
		t.Fatalf("drift starts: %+v", s)
	}
	// A failed check knows nothing new: findings and since stay.
	s = Next(s, run("3"), plumb.DriftResult{Status: plumb.DriftError, Error: "boom"}, t0.Add(2*time.Hour))
	if s.Status != plumb.DriftError || len(s.Findings) != 1 || !s.Since.Equal(t0.Add(time.Hour)) || s.RunID != "3" {
		t.Fatalf("error check: %+v", s)
	}
	s = Next(s, run("4"), result(fileA, newC), t0.Add(3*time.Hour))
	if !s.FirstSeen[plumb.FindingKey(fileA)].Equal(t0.Add(time.Hour)) || !s.FirstSeen[plumb.FindingKey(newC)].Equal(t0.Add(3*time.Hour)) {
		t.Fatalf("first seen kept and added: %v", s.FirstSeen)
	}
	s = Next(s, run("5"), result(newC), t0.Add(4*time.Hour))
	if _, ok := s.FirstSeen[plumb.FindingKey(fileA)]; ok || s.Status != plumb.DriftPendingOnly {
		t.Fatalf("a finding gone is dropped: %+v", s)
	}
	s = Next(s, run("6"), result(), t0.Add(5*time.Hour))
	if !s.Since.IsZero() || !s.LastClean.Equal(t0.Add(5*time.Hour)) || len(s.FirstSeen) != 0 || s.Issue != 7 {
		t.Fatalf("clean again: %+v", s)
	}
}
