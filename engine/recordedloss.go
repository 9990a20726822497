package engine

import "fmt"

// checkRecordedLoss refuses a file in this engine's format whose "loss"
// metadata (the loss SaveWeights records, which evaluate compiles the
// model with) is not one its model can have been trained with: a name
// ParseLoss does not know, or categorical cross-entropy over the model it
// records (s, nil for none) when that has no softmax output. A
// hand-edited "loss": "mse" was evaluated, in silence, with categorical
// cross-entropy, and that test loss printed as the file's. An empty or
// absent entry records no loss.
func checkRecordedLoss(path, recorded string, s *ModelSpec) error {
	if recorded == "" {
		return nil
	}
	l, err := ParseLoss(recorded)
	if err != nil {
		return fmt.Errorf(`%s (metadata "loss"): %w`, path, err)
	}
	if l == CategoricalCrossEntropy && s != nil {
		m, err := s.Build()
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if !m.EndsInSoftmax() {
			return fmt.Errorf(`%s (metadata "loss"): categorical_crossentropy needs a softmax output (the last layer's activation), and the model the file records has none`, path)
		}
	}
	return nil
}
