package study

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestOversizedCellFailsAlone: a cell whose batch does not fit in memory (10⁹
// holds as many images as MNIST's training set, before the data shows fewer) is
// refused before it allocates, recorded in its failed.txt with the figure
// and the limit, and the other cells train; a rerun tries it again, fails it
// again and does not die on it.
func TestOversizedCellFailsAlone(t *testing.T) {
	saved := run.HostMemory
	run.HostMemory = func() (int64, string) { return 1 << 30, "test limit" }
	t.Cleanup(func() { run.HostMemory = saved })
	data := smallData(t)
	f := File{Name: "big", Axes: []Axis{{Name: "batch-size", Values: []string{"50", "1000000000"}}}, Seeds: []uint64{1},
		Fixed: map[string]string{"model": "mlp", "epochs": "1"}}
	dir := t.TempDir()
	for attempt := 1; attempt <= 2; attempt++ {
		var log bytes.Buffer
		err := Run(f, dir, run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: data, Log: &log})
		var fe *FailedError
		if !errors.As(err, &fe) || fe.Failed != 1 {
			t.Fatalf("attempt %d: err = %v\n%s", attempt, err, log.String())
		}
		why := string(mustRead(t, filepath.Join(dir, "cells", "batch-size=1000000000,seed=1", FailureFile)))
		if !strings.HasPrefix(why, "--batch-size 1000000000 needs about ") || !strings.Contains(why, "this machine has 1.0 GiB (test limit)") {
			t.Errorf("attempt %d: failed.txt: %s", attempt, why)
		}
		if _, err := os.Stat(filepath.Join(dir, "cells", "batch-size=50,seed=1", run.ResultFile)); err != nil {
			t.Errorf("attempt %d: the cell that fits did not finish: %v\n%s", attempt, err, log.String())
		}
		if attempt == 2 && !strings.Contains(log.String(), "1 already complete") {
			t.Errorf("rerun:\n%s", log.String())
		}
	}
}

// TestOversizedCellTakesNoPlaceOnAGPU: on a device that keeps the data sets
// resident, a cell too large for the host is left out of the free-memory
// plan (which would otherwise refuse the whole study), and fails alone. The
// test device computes nothing, so the cell that fits fails too (a panic in
// its first kernel); what matters is that neither is a setting error.
func TestOversizedCellTakesNoPlaceOnAGPU(t *testing.T) {
	saved := run.HostMemory
	run.HostMemory = func() (int64, string) { return 256 << 20, "test limit" } // the host part of a batch of 60,000 images is more
	t.Cleanup(func() { run.HostMemory = saved })
	base := run.Default()
	base.Device.Name = "fakegpu"
	f := File{Name: "big", Axes: []Axis{{Name: "batch-size", Values: []string{"50", "1000000000"}}}, Seeds: []uint64{1},
		Fixed: map[string]string{"model": "mlp", "epochs": "1"}}
	dir := t.TempDir()
	var log bytes.Buffer
	err := Run(f, dir, base, Options{Shard: Shard{1, 1}, Jobs: 1, Data: smallData(t), Log: &log})
	var fe *FailedError
	if !errors.As(err, &fe) || fe.Failed != 2 {
		t.Fatalf("err = %v\n%s", err, log.String())
	}
	why := string(mustRead(t, filepath.Join(dir, "cells", "batch-size=1000000000,seed=1", FailureFile)))
	if !strings.HasPrefix(why, "--batch-size 1000000000 needs about ") {
		t.Errorf("failed.txt: %s", why)
	}
}
