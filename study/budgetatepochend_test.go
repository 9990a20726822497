package study

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestBudgetSpentAtAnEpochsEndIsToldSo: a cell of 3 epochs whose step
// budget ran out exactly at the end of epoch 1, stopped before writing its
// result, is finished by the next study run. Its train.log said "all 1
// epochs were trained, but the run stopped before writing its result", of
// a cell planned for 3: it names the budget that ended it, as it does when
// the budget cut an epoch short.
func TestBudgetSpentAtAnEpochsEndIsToldSo(t *testing.T) {
	data := smallData(t)
	// 100 images of batch 50: 2 steps an epoch, the budget's 2 spent as epoch 1 ends.
	f := File{Name: "budget", Seeds: []uint64{1}, Fixed: map[string]string{"model": "mlp", "epochs": "3", "train-limit": "100",
		"batch-size": "50", "max-steps": "2"}}
	dir := t.TempDir()
	for try := range 2 {
		if err := Run(f, dir, run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: data}); err != nil {
			t.Fatal(err)
		}
		if try == 0 { // the run stopped after its state, before its result (a SIGKILL there)
			cell := filepath.Join(dir, "cells", f.Cells()[0].Key(f.Axes))
			if n := len(history(t, cell).Logs); n != 1 {
				t.Fatalf("the budget ended the cell after %d epochs, want 1", n)
			}
			if err := os.Remove(filepath.Join(cell, ResultFile)); err != nil {
				t.Fatal(err)
			}
		}
	}
	cellLog := string(mustRead(t, filepath.Join(dir, "cells", f.Cells()[0].Key(f.Axes), LogFile)))
	if want := "its step budget (max-steps 2) was spent in epoch 1, but the run stopped before writing its result; finishing it\n"; !strings.Contains(cellLog, want) ||
		strings.Contains(cellLog, "epochs were trained") {
		t.Errorf("the cell's %s:\n%s\nwant the line\n%s", LogFile, cellLog, want)
	}
}
