package run

import "fmt"

// epochMetrics are the names an epoch's logs hold when the callbacks read
// them: Keras's loss and accuracy, and with validation data their val_
// forms. --monitor names one of them; a checkpoint template's fields name
// them or the epoch.
func epochMetrics(validation bool) []string {
	if validation {
		return []string{"loss", "accuracy", "val_loss", "val_accuracy"}
	}
	return []string{"loss", "accuracy"}
}

// checkMetricNames refuses, before anything runs, a --monitor that no epoch
// logs and a --checkpoint template that cannot be formatted with the
// metrics the run logs (checkTemplateFormats). Otherwise the monitor was
// skipped without a word (no checkpoint, no early stopping). recorded: of
// a run recorded before (recordedtemplate.go). A val_ name
// without validation data is checkApplies' to refuse, with its own advice.
func (c Config) checkMetricNames(recorded bool) error {
	validation := c.Data.ValidationSplit > 0
	names := epochMetrics(validation)
	cb := c.Resolved().Callbacks
	if !contains(names, cb.Monitor) {
		return &ValueError{Flag: "monitor", Msg: fmt.Sprintf("%q is not a metric the run logs (want %s)", cb.Monitor, joinOr(names))}
	}
	return checkTemplateFormats(*cb.Checkpoint, names, recorded)
}
