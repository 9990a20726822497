package engine

import "fmt"

// Loss selects the training objective; both are means over the batch.
type Loss int

const (
	// CategoricalCrossEntropy is Keras's categorical_crossentropy after a
	// softmax output. Keras 2.3 and tf.keras compute it from the softmax's
	// logits (no clipping), and so does the engine, fused into one kernel;
	// Keras 2.2 clipped the probabilities to [1e-7, 1-1e-7], capping a
	// sample's loss at 16.118 with no gradient beyond (docs/keras.md).
	CategoricalCrossEntropy Loss = iota + 1
	// BinaryCrossEntropyLoss is Keras's binary_crossentropy on the output
	// probabilities clipped to [1e-7, 1-1e-7], averaged over the last axis.
	// Its accuracy stays the argmax's, where Keras's "accuracy" under this
	// loss is binary_accuracy (docs/keras.md).
	BinaryCrossEntropyLoss
)

// ParseLoss maps a Keras loss name to a Loss.
func ParseLoss(s string) (Loss, error) {
	switch s {
	case "categorical_crossentropy", "":
		return CategoricalCrossEntropy, nil
	case "binary_crossentropy":
		return BinaryCrossEntropyLoss, nil
	}
	return 0, fmt.Errorf("unknown loss %q (want categorical_crossentropy or binary_crossentropy)", s)
}

func (l Loss) String() string {
	switch l {
	case CategoricalCrossEntropy:
		return "categorical_crossentropy"
	case BinaryCrossEntropyLoss:
		return "binary_crossentropy"
	}
	return fmt.Sprintf("Loss(%d)", int(l))
}
