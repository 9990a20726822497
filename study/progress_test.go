package study

import (
	"bytes"
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
		"[1/4 done, 1 in another process, 0 running, 2 left, 0.0s] a: skipped: pid 1 is training it",
		"[2/4 done, 1 in another process, 0 running, 1 left, 0.0s] b: finished by another process",
		"[2/4 done, 2 in other processes, 0 running, 0 left, 0.0s] c: skipped: pid 1 is training it",
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
	want := "[0/4 done, 1 stopped, 1 running, 2 left, 0.0s] a: stopped at epoch 1, step 5, its state saved\n"
	if out.String() != want {
		t.Errorf("display wrote\n%s\nwant\n%s", out.String(), want)
	}
}
