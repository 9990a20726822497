package run

import (
	"fmt"

	"mnistgpu/engine"
	"mnistgpu/mnist"
)

// mnistInput is the shape of MNIST's images, the one input every run feeds.
var mnistInput = engine.Shape{mnist.Side, mnist.Side, 1}

// CheckFitsMNIST refuses a model that cannot take MNIST's images or give
// one output per digit, naming the setting (flag, value) that gave it. A
// model file of another input shape or another number of outputs was found
// out by the trainer once the data was loaded and the run's folder written
// (exit 1), and evaluate and predict panicked on it.
func CheckFitsMNIST(m *engine.Model, flag, value string) error {
	bad := func(format string, a ...any) error {
		return &ValueError{Flag: flag, Msg: value + ": " + fmt.Sprintf(format, a...)}
	}
	if fmt.Sprint(m.Input) != fmt.Sprint(mnistInput) {
		return bad("the model takes input of shape %v, and MNIST's images are %v: give it \"input_shape\": [%d, %d, 1]",
			m.Input, mnistInput, mnist.Side, mnist.Side)
	}
	if n := m.OutputShape().Size(); n != mnist.Classes {
		return bad("the model gives %s, and MNIST has %d classes: end it with a Dense layer of %d units",
			Plural(n, "output"), mnist.Classes, mnist.Classes)
	}
	return nil
}
