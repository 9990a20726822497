package run

import (
	"fmt"
	"io"

	"mnistgpu/engine"
)

// sayBestNotRestored says, in one line on log, that --restore-best-weights
// left the final weights those of the last epoch: Keras 2's EarlyStopping
// restores the best epoch's weights only when it stops the run, so a run
// that trained all its epochs, or stopped at its step budget, ended with
// the last epoch's, under a flag whose usage says "end with the best
// epoch's weights", without a word. Nothing is said when the last epoch
// was the best. stopped is the run's stopReason.
func sayBestNotRestored(cfg Config, callbacks []engine.Callback, hist *engine.History, stopped string, log io.Writer) {
	if !cfg.Callbacks.RestoreBestWeights || stopped == "early_stopping" || len(hist.Logs) == 0 {
		return
	}
	var es *engine.EarlyStopping
	for _, c := range callbacks {
		if e, ok := c.(*engine.EarlyStopping); ok {
			es = e
		}
	}
	last := len(hist.Logs) - 1
	if es == nil || es.BestEpoch < 0 || es.BestEpoch == hist.Epochs[last] {
		return
	}
	why := fmt.Sprintf("its %s all trained", Plural(cfg.Epochs, "epoch"))
	if stopped == "max_steps" {
		why = fmt.Sprintf("it stopped at its step budget, --max-steps %d", cfg.MaxSteps)
	}
	best := ""
	for i, e := range hist.Epochs {
		if v, ok := hist.Logs[i][es.Monitor]; ok && e == es.BestEpoch {
			best = fmt.Sprintf(", %s %.4f", es.Monitor, v)
		}
	}
	fmt.Fprintf(log, "--restore-best-weights: early stopping did not stop the run (%s), so it ends with the weights of its last epoch, %d, not of its best, %d%s: "+
		"Keras 2's EarlyStopping restores them only when it stops a run\n", why, hist.Epochs[last]+1, es.BestEpoch+1, best)
}
