package run

import "fmt"

// The callbacks' settings that only one of them reads: ReduceLROnPlateau's
// factor, ModelCheckpoint's save-best-only, period and keep-last, and the
// monitor and mode that checkpoints, early stopping and the plateau watch.
// Given where that callback is off (no --reduce-lr-on-plateau, --checkpoint
// "", or for keep-last a checkpoint name without a field),
// each was accepted, recorded in config.json and read by nothing. As for
// checkApplies, a value equal to the default cannot be told from no value,
// so only another one is refused.

// unusedCallbackSetting is one such setting: its flag, whether c gives it
// where nothing reads it, what reads it, and how to clear it.
type unusedCallbackSetting struct {
	flag, readBy string
	unused       func(c Config) bool
	clear        func(c *Config)
}

var unusedCallbackSettings = []unusedCallbackSetting{
	{"reduce-lr-factor", "--reduce-lr-on-plateau N: give one",
		func(c Config) bool {
			return c.Callbacks.ReduceLRFactor != Default().Callbacks.ReduceLRFactor && c.Callbacks.ReduceLROnPlateau == 0
		},
		func(c *Config) { c.Callbacks.ReduceLRFactor = Default().Callbacks.ReduceLRFactor }},
	{"save-best-only", `checkpoints, and --checkpoint is "" (none are written): name one`,
		func(c Config) bool { return checkpointsOff(c) && !c.Callbacks.SaveBestOnly },
		func(c *Config) { c.Callbacks.SaveBestOnly = true }},
	{"checkpoint-period", `checkpoints, and --checkpoint is "" (none are written): name one`,
		func(c Config) bool { return checkpointsOff(c) && c.Callbacks.CheckpointPeriod != 1 },
		func(c *Config) { c.Callbacks.CheckpointPeriod = 1 }},
	{"monitor", `checkpoints, --early-stopping and --reduce-lr-on-plateau, and none is on (--checkpoint is ""): give one`,
		func(c Config) bool {
			return !watched(c) && c.Callbacks.Monitor != "" && c.Callbacks.Monitor != DefaultMonitor(c.Data.ValidationSplit > 0)
		},
		func(c *Config) { c.Callbacks.Monitor = "" }},
	{"mode", `checkpoints, --early-stopping and --reduce-lr-on-plateau, and none is on (--checkpoint is ""): give one`,
		func(c Config) bool { return !watched(c) && c.Callbacks.Mode != "auto" },
		func(c *Config) { c.Callbacks.Mode = "auto" }},
	// A --checkpoint without a field names one file, written over at each
	// save: there is never more than one, so no N deletes anything.
	{"keep-last", `checkpoints named by a field such as {epoch}, and --checkpoint names one file, written over at each save: give it a field`,
		func(c Config) bool {
			return c.Callbacks.KeepLast != 0 && c.Callbacks.Checkpoint != nil && !templateHasField(*c.Callbacks.Checkpoint)
		},
		func(c *Config) { c.Callbacks.KeepLast = 0 }},
}

func checkpointsOff(c Config) bool {
	return c.Callbacks.Checkpoint != nil && *c.Callbacks.Checkpoint == ""
}

// watched reports whether a callback that watches --monitor is on.
func watched(c Config) bool {
	return !checkpointsOff(c) || c.Callbacks.EarlyStopping > 0 || c.Callbacks.ReduceLROnPlateau > 0
}

// checkCallbackSettingsApply refuses a callback's setting given where that
// callback is off.
func (c Config) checkCallbackSettingsApply() error {
	for _, s := range unusedCallbackSettings {
		if s.unused(c) {
			return &ValueError{Flag: s.flag, Msg: fmt.Sprintf("applies only to %s, or leave --%s out (beside --config, give its default)", s.readBy, s.flag), NotApplied: true}
		}
	}
	return nil
}

// withoutUnusedCallbackSettings is c with those settings cleared: a run
// recorded with one before it was refused goes on as it ran (nothing read
// it).
func (c Config) withoutUnusedCallbackSettings() Config {
	for _, s := range unusedCallbackSettings {
		if s.unused(c) {
			s.clear(&c)
		}
	}
	return c
}
