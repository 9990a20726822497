package run

import "testing"

// A run recorded with a callback's setting where that callback was off
// (before it was refused) validates as it ran, the setting cleared only
// for the check; a --config of it is refused like a new run.
func TestRecordedUnusedCallbackSettingsValidate(t *testing.T) {
	for _, settings := range [][]string{
		{"reduce-lr-factor", "0.5"},
		{"checkpoint", "", "save-best-only", "false", "checkpoint-period", "3", "monitor", "accuracy", "mode", "max"},
		{"checkpoint", "best.safetensors", "keep-last", "2"},
	} {
		c := configOf(t, settings...).Resolved()
		if err := c.ValidateRecorded(); err != nil {
			t.Errorf("%v recorded: %v", settings, err)
		}
		if err := c.Validate(); err == nil {
			t.Errorf("%v as a new run: accepted", settings)
		}
		if got := c.withoutUnusedCallbackSettings(); got.Callbacks.ReduceLRFactor != 0.1 || !got.Callbacks.SaveBestOnly || got.Callbacks.Mode != "auto" {
			t.Errorf("%v cleared: %+v", settings, got.Callbacks)
		}
	}
}
