package study

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"mnistgpu/engine"
)

// ResultFile is what a finished training run leaves in its folder (written
// last and atomically, so its presence means the cell is complete).
const ResultFile = "result.json"

// Result is a finished run's summary (written by `mnistgpu train`).
type Result struct {
	Epochs           int     `json:"epochs"`
	Seconds          float64 `json:"seconds"`
	FinalTestLoss    float64 `json:"final_test_loss"`
	FinalTestAcc     float64 `json:"final_test_accuracy"`
	BestCheckpoint   string  `json:"best_checkpoint,omitempty"`
	BestMonitor      string  `json:"best_monitor,omitempty"`
	BestValue        float64 `json:"best_value,omitempty"`
	BestTestLoss     float64 `json:"best_test_loss,omitempty"`
	BestTestAccuracy float64 `json:"best_test_accuracy,omitempty"`
}

// RunCell trains one cell with the given train flags into dir; resume is
// true when dir holds the training state of an interrupted attempt.
type RunCell func(dir string, args []string, resume bool) error

// Run trains every cell of the shard that has no result yet, in order. A
// killed study resumes: complete cells are skipped, an interrupted cell
// continues from its last epoch.
func Run(f File, dir string, shard Shard, epochs int, run RunCell, log io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	spec, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := engine.WriteFileAtomic(filepath.Join(dir, "study.json"), func(w io.Writer) error { _, err := w.Write(spec); return err }); err != nil {
		return err
	}
	cells := f.Cells()
	var mine []Cell
	for _, c := range cells {
		if shard.Has(c.Index) {
			mine = append(mine, c)
		}
	}
	start := time.Now()
	done := 0
	for i, c := range mine {
		cellDir := filepath.Join(dir, "cells", c.Key(f.Axes))
		if _, err := os.Stat(filepath.Join(cellDir, ResultFile)); err == nil {
			done++
			fmt.Fprintf(log, "[%d/%d] %s: already complete\n", i+1, len(mine), c.Key(f.Axes))
			continue
		}
		_, err := os.Stat(filepath.Join(cellDir, "state.safetensors"))
		resume := err == nil
		eta := ""
		if done > 0 {
			per := time.Since(start) / time.Duration(done)
			eta = fmt.Sprintf(", about %s left", (per * time.Duration(len(mine)-i)).Round(time.Second))
		}
		fmt.Fprintf(log, "[%d/%d] %s%s\n", i+1, len(mine), c.Key(f.Axes), eta)
		if err := run(cellDir, f.Args(c, epochs), resume); err != nil {
			// A diverging cell (NaN) is a result too: record it and go on.
			fmt.Fprintf(log, "    %s failed: %v\n", c.Key(f.Axes), err)
			if werr := writeFailure(cellDir, err); werr != nil {
				return werr
			}
		}
		done++
	}
	fmt.Fprintf(log, "shard %d/%d: %d cells complete in %s\n", shard.K, shard.N, len(mine), time.Since(start).Round(time.Second))
	return nil
}

// FailureFile marks a cell whose training failed (for example diverged).
const FailureFile = "failed.txt"

func writeFailure(dir string, cause error) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := func(w io.Writer) error { _, err := io.WriteString(w, cause.Error()+"\n"); return err }
	if err := engine.WriteFileAtomic(filepath.Join(dir, FailureFile), write); err != nil {
		return err
	}
	// A failed cell is complete: its history up to the failure is kept.
	return engine.WriteFileAtomic(filepath.Join(dir, ResultFile), func(w io.Writer) error {
		_, err := io.WriteString(w, `{"failed": true}`+"\n")
		return err
	})
}

// Merge copies the complete cells of shard folders into dir; a cell that is
// complete in several shards is taken from the last one listed (a finished
// cell is the same run wherever it ran).
func Merge(dir string, shards []string) error {
	for _, s := range shards {
		entries, err := os.ReadDir(filepath.Join(s, "cells"))
		if err != nil {
			return fmt.Errorf("merge: %w", err)
		}
		if err := copyFile(filepath.Join(s, "study.json"), filepath.Join(dir, "study.json")); err != nil {
			return err
		}
		for _, e := range entries {
			src := filepath.Join(s, "cells", e.Name())
			if _, err := os.Stat(filepath.Join(src, ResultFile)); err != nil {
				continue // incomplete in this shard
			}
			dst := filepath.Join(dir, "cells", e.Name())
			if err := copyDir(src, dst); err != nil {
				return err
			}
		}
	}
	return nil
}

func copyDir(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if err := copyFile(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	raw, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return engine.WriteFileAtomic(dst, func(w io.Writer) error { _, err := w.Write(raw); return err })
}
