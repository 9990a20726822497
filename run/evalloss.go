package run

import "mnistgpu/engine"

// EvalLoss is the loss evaluate and predict compile a trained model with:
// the one its weights file records (recorded: its "loss" metadata), so that
// evaluate's test loss is the one the run printed (a softmax model trained
// with binary cross-entropy was evaluated with categorical); without one
// (a file of an earlier version or of another tool), categorical
// cross-entropy for a softmax output (Keras's default), binary
// cross-entropy for any other, the one loss such a model can have been
// trained with.
func EvalLoss(m *engine.Model, recorded string) engine.Loss {
	if l, err := engine.ParseLoss(recorded); recorded != "" && err == nil && (l != engine.CategoricalCrossEntropy || m.EndsInSoftmax()) {
		return l
	}
	if m.EndsInSoftmax() {
		return engine.CategoricalCrossEntropy
	}
	return engine.BinaryCrossEntropyLoss
}
