package run

import "mnistgpu/engine"

// A model file's layer that did nothing asked (a Dropout without "rate",
// an Activation without "activation", an "alpha" beside another
// activation than leaky_relu) is refused since 649be94. A run recorded
// with such a file before, resumed or a recorded study's cell, goes on as
// it ran, the layers built as they were then (engine.LoadRecordedModelSpec);
// a new run of the file is refused, and told what to write.

// BuildRecordedModel is BuildModel for a run recorded before (see above),
// or for a configuration already validated (Validate refused a new run's
// file): it builds the model file's layers as they were built before the
// refusal.
func BuildRecordedModel(name, activation string) (*engine.Model, error) {
	return buildModel(engine.LoadRecordedModelSpec, name, activation)
}
