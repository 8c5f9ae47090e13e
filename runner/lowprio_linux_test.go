package runner

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// niceOfChild starts a process and returns the nice value it runs at.
func niceOfChild(t *testing.T) int {
	t.Helper()
	// Field 19 of /proc/PID/stat is the nice value; the command name in
	// field 2 ("cat") has no spaces.
	out, err := exec.Command("cat", "/proc/self/stat").Output()
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.Fields(string(out))[18])
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLowPriorityOnlyAffectsWhatItStarts(t *testing.T) {
	before := niceOfChild(t)
	if before >= readBackNice {
		t.Skipf("the test already runs at nice %d", before)
	}
	var inside int
	lowPriority(func() { inside = niceOfChild(t) })
	if inside != readBackNice {
		t.Errorf("a process started in lowPriority runs at nice %d, want %d", inside, readBackNice)
	}
	// The lowered thread is discarded: nothing started later inherits it.
	for range 20 {
		if after := niceOfChild(t); after != before {
			t.Fatalf("a process started after lowPriority runs at nice %d, want %d", after, before)
		}
	}
}
