package run

import (
	"fmt"
	"path/filepath"
	"strings"

	"mnistgpu/engine"
)

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
// logs and a --checkpoint template that cannot be formatted (an unknown
// field such as Keras 1's {val_acc}, a bad format, an unclosed brace).
// Otherwise the monitor was skipped without a word (no checkpoint, no early
// stopping) and the template failed after the first epoch had trained,
// with --overwrite after the old run was removed. A val_ name without
// validation data is checkApplies' to refuse, with its own advice.
func (c Config) checkMetricNames() error {
	validation := c.Data.ValidationSplit > 0
	names := epochMetrics(validation)
	cb := c.Resolved().Callbacks
	if !contains(names, cb.Monitor) {
		return &ValueError{Flag: "monitor", Msg: fmt.Sprintf("%q is not a metric the run logs (want %s)", cb.Monitor, joinOr(names))}
	}
	t := *cb.Checkpoint
	if t == "" {
		return nil
	}
	logs := engine.Logs{}
	for _, n := range names {
		logs[n] = 0
	}
	name, err := engine.FormatTemplate(t, 1, logs)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), fmt.Sprintf("template %q: ", t))
		msg, _, _ = strings.Cut(msg, " (have ") // the fields are listed below
		return &ValueError{Flag: "checkpoint", Msg: fmt.Sprintf("%q: %s: its fields are epoch and %s, with a Python format such as {epoch:02d} or {val_loss:.2f}", t, msg, joinOr(names))}
	}
	// The first checkpoint's write failed with "file name too long" once
	// its epoch had trained.
	for _, part := range strings.Split(filepath.ToSlash(name), "/") {
		if len(part) > MaxFileName {
			return &ValueError{Flag: "checkpoint", Msg: fmt.Sprintf("%q names a file of %d bytes or more, and a file name holds at most %d", t, len(part), MaxFileName)}
		}
	}
	return nil
}
