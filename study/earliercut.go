package study

import (
	"fmt"
	"path/filepath"

	"mnistgpu/engine"
	"mnistgpu/mnist"
	"mnistgpu/run"
)

// A version before a step budget's state was the run at its budget step
// saved the epoch the budget cut short as ended, and a budget that cut a
// run's last epoch gave a result without a stop. Such a cell is complete
// under its own budget, and a larger max-steps cannot continue it within
// that epoch: the plan took it as complete while study.json recorded the
// larger budget over the steps it trained, mixing it in the report with
// cells trained to the new budget. It is refused by name.

// earlierCut is a *SettingError naming the complete cell of cfg when it is
// such a cell, cfg's max-steps larger than the steps it trained; nil when it
// is not. The cell's training set, from data, tells a budget spent at the
// last epoch's end (nothing more to train) from one spent within it.
func earlierCut(cfg run.Config, data *mnist.Set) error {
	dir := cfg.Output.Dir
	c, err := readCell(dir)
	if err != nil || c.Failed || c.Result.Stopped != "" || cfg.MaxSteps > 0 && c.Result.Steps >= uint64(cfg.MaxSteps) {
		return nil
	}
	recorded, err := run.ReadConfigFile(filepath.Join(dir, run.ConfigFile))
	if err != nil || recorded.MaxSteps == 0 || c.Result.Steps < uint64(recorded.MaxSteps) {
		return nil
	}
	train, _, err := engine.SplitValidation(data.Train.Head(cfg.Data.TrainLimit), cfg.Data.ValidationSplit, recorded.Data.SplitMode(), cfg.Seed)
	if err != nil || c.Result.Steps >= uint64(c.Result.Epochs*engine.BatchCount(train.Len(), cfg.BatchSize)) {
		return nil
	}
	return &SettingError{fmt.Sprintf("%s: its step budget (max-steps %d) cut its last epoch, %d, short in an earlier version, which saved that epoch as ended: max-steps %s cannot continue it within it (keep max-steps %d, or move the cell's folder away to train it anew)",
		dir, recorded.MaxSteps, c.Result.Epochs, stepBudget(cfg.MaxSteps), recorded.MaxSteps)}
}
