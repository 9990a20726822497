package study

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"mnistgpu/run"
)

// TestDisplayCountsCellsElsewhere: a cell that another process of the
// study holds when this one comes to it is neither done nor left here, but
// it is one of the shard's cells: the counts say where it is, so that they
// always add up to the shard (a second process on a study whose cells it
// shared ended at "[6/8 done, 0 running, 0 left]").
func TestDisplayCountsCellsElsewhere(t *testing.T) {
	clock := func() time.Time { return time.Unix(0, 0) }
	var out bytes.Buffer
	d := newDisplay(&out, false, 0, 4, 1, 3, clock)
	d.elsewhere("a", 0, 2, 1, false, "skipped: pid 1 is training it")
	d.elsewhere("b", 0, 2, 1, true, "finished by another process")
	d.elsewhere("c", 0, 2, 1, false, "skipped: pid 1 is training it")
	d.close()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{
		"[1/4 done, 1 in another process, 0 running, 2 left, 0s] a: skipped: pid 1 is training it",
		"[2/4 done, 1 in another process, 0 running, 1 left, 0s] b: finished by another process",
		"[2/4 done, 2 in other processes, 0 running, 0 left, 0s] c: skipped: pid 1 is training it",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("display wrote\n%s\nwant\n%s", out.String(), strings.Join(want, "\n"))
	}
}

// TestDisplayCountsStoppedCells: a cell stopped on request (its state
// saved) is counted as stopped, so that the counts still add up to the
// shard; it was in none of them ("[0/4 done, 1 running, 2 left]").
func TestDisplayCountsStoppedCells(t *testing.T) {
	clock := func() time.Time { return time.Unix(0, 0) }
	var out bytes.Buffer
	d := newDisplay(&out, false, 0, 4, 0, 4, clock)
	a := d.begin("a", 0, 0, 2, 1)
	d.begin("b", 1, 0, 2, 1)
	d.end(a, nil, &run.StoppedError{Epoch: 1, Step: 5}, false)
	d.close()
	want := "[0/4 done, 1 stopped, 1 running, 2 left, 0s] a: stopped at epoch 1, step 5, its state saved\n"
	if out.String() != want {
		t.Errorf("display wrote\n%s\nwant\n%s", out.String(), want)
	}
}

// TestDisplayTimesAFastCell: a cell trained in 0.03 s said "in 0.0s"; a
// time under a second is written in milliseconds (microseconds under one).
func TestDisplayTimesAFastCell(t *testing.T) {
	clock := func() time.Time { return time.Unix(0, 0) }
	var out bytes.Buffer
	d := newDisplay(&out, false, 0, 1, 0, 1, clock)
	d.end(d.begin("a", 0, 0, 1, 1), &Result{FinalTestAcc: 0.5, Epochs: 1, Seconds: 0.03}, nil, false)
	d.close()
	if want := "[1/1 done, 0 running, 0 left, 0s] a: test accuracy 0.5000 after 1 epoch in 30ms\n"; out.String() != want {
		t.Errorf("display wrote\n%q\nwant\n%q", out.String(), want)
	}
	for _, c := range []struct {
		t    time.Duration
		want string
	}{
		{0, "0s"}, {400 * time.Microsecond, "400µs"}, {30 * time.Millisecond, "30ms"}, {999 * time.Millisecond, "999ms"},
		{999600 * time.Microsecond, "1.0s"}, {9500 * time.Millisecond, "9.5s"}, {90 * time.Second, "1m30s"},
	} {
		if got := roundDuration(c.t); got != c.want {
			t.Errorf("roundDuration(%v) = %q, want %q", c.t, got, c.want)
		}
	}
}

// TestDisplayETABeyondAnyTime: the time left of a study of --epochs 2⁶²
// wrapped to a negative Duration and was left out of the status line; it
// is "more than 292 years", and a study's ordinary time left is as before.
func TestDisplayETABeyondAnyTime(t *testing.T) {
	now := time.Unix(0, 0)
	clock := func() time.Time { return now }
	for _, c := range []struct {
		epochs int
		want   string
	}{{min(4611686018427387904, math.MaxInt), "more than 292 years"}, {3, "20.0s"}} {
		d := newDisplay(nil, false, 0, 2, 0, 1, clock)
		d.plan(1, 1)
		d.plan(c.epochs-1, 1)
		d.doneWork = 1 // the first cell's epoch, in 10 s
		now = now.Add(10 * time.Second)
		if got := d.eta(); got != c.want {
			t.Errorf("%d epochs' work, 1 done in 10s: time left %q, want %q", c.epochs, got, c.want)
		}
		if got := d.counts(); !strings.HasSuffix(got, ", 10.0s, "+strings.Replace("about "+c.want, "about more", "more", 1)+" left") {
			t.Errorf("%d epochs' work, 1 done in 10s: status %q", c.epochs, got)
		}
		d.close()
	}
}
