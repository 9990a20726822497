package run

import (
	"fmt"
	"io"

	"mnistgpu/engine"
)

// A run recorded before --reduce-lr-on-plateau beside --lr-schedule was
// refused (96b7733) holds both. Neither may change on resume, so the
// refusal's advice ("use one of them") could not be followed and the run
// could not go on at all. It goes on as it ran instead, saying so: the
// schedule sets every epoch's rate, so each reduction is undone before
// the next epoch trains, and the weights are those of the schedule alone,
// as they were in the run's earlier sessions. A new run (--config of such a
// run among them) is still refused, and told to give --reduce-lr-on-plateau 0.

// plateauUnderSchedule reports whether c sets both.
func plateauUnderSchedule(c Config) bool {
	return c.Callbacks.ReduceLROnPlateau != 0 && c.Optimizer.Schedule != ""
}

// ValidateRecorded is Validate for the settings a run, or a study's
// study.json, recorded, which may hold a plateau under a schedule (see
// above), or a --split other than tail without validation data, an
// --activation its model file leaves, or a callback's setting where that
// callback is off (callbackapplies.go; refused since; the run goes on as
// it ran).
func (c Config) ValidateRecorded() error {
	if plateauUnderSchedule(c) {
		c.Callbacks.ReduceLROnPlateau, c.Callbacks.MinLR = 0, 0
	}
	c = c.withoutUnusedCallbackSettings()
	if c.Data.ValidationSplit == 0 {
		c.Data.Split = engine.SplitTail // recorded before it was refused: it changed nothing
	}
	if CheckActivationApplies(c.Model.Name, c.Model.Activation) != nil {
		c.Model.Activation = "" // likewise: the model is built as it was (and as its state records)
	}
	return c.validate(true) // a model file's layers as they were built (recordedmodelfile.go)
}

// sayPlateauUnderSchedule says, on log, how a resumed run that holds both
// goes on.
func sayPlateauUnderSchedule(c Config, log io.Writer) {
	if plateauUnderSchedule(c) {
		fmt.Fprintf(log, "%s was recorded with --reduce-lr-on-plateau %d beside --lr-schedule %s, refused for new runs since: it goes on as it ran, "+
			"the schedule setting every epoch's rate and so undoing each reduction before the next epoch\n",
			c.Output.Dir, c.Callbacks.ReduceLROnPlateau, c.Optimizer.Schedule)
	}
}
