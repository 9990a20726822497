package run

import (
	"errors"
	"fmt"
	"io"
	"io/fs"

	"mnistgpu/engine"
)

// evaluateBest evaluates the best checkpoint of a --save-best-only run on
// the test set, loading it into m, and records it in r and on out. A best
// checkpoint removed since it was saved (a resume found it gone, or it went
// during this session) is said missing, by name, and recorded as
// best_checkpoint_missing: it was dropped from the summary and result.json
// without a word, as if the run had none.
func evaluateBest(cfg Config, m *engine.Model, test engine.Dataset, ckpt *engine.ModelCheckpoint, r *Result, out io.Writer) error {
	if ckpt == nil || !ckpt.SaveBestOnly {
		return nil
	}
	best, missing := ckpt.Best, ckpt.Missing
	if best != "" {
		// The load is the check: a file removed after a check made before
		// it failed the run (the load's error) instead of being said missing.
		if err := m.LoadWeights(best); errors.Is(err, fs.ErrNotExist) {
			best, missing = "", best
		} else if err != nil {
			return err
		}
	}
	dir := cfg.Output.Dir
	switch {
	case best != "":
		bl, ba := engine.Evaluate(m, test, cfg.BatchSize)
		r.BestCheckpoint, r.BestMonitor, r.BestValue = bestName(dir, best), ckpt.Monitor, ckpt.BestValue()
		r.BestTestLoss, r.BestTestAccuracy = bl, ba
		fmt.Fprintf(out, "best checkpoint: %s  (%s %.4f)  test loss %.4f  test accuracy %.4f\n", best, ckpt.Monitor, ckpt.BestValue(), bl, ba)
	case missing != "":
		r.BestMissing, r.BestMonitor, r.BestValue = bestName(dir, missing), ckpt.Monitor, ckpt.BestValue()
		fmt.Fprintf(out, "best checkpoint: %s  (%s %.4f)  missing: removed since it was saved, so it has no test loss or accuracy\n", missing, ckpt.Monitor, ckpt.BestValue())
	}
	return nil
}
